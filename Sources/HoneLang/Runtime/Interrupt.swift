import Synchronization

/// The flag Ctrl-C raises. A running command polls it at its safe points (between statements,
/// loop iterations, training steps) and stops there, leaving the session intact.
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    /// The process-wide flag that the SIGINT handler sets.
    public static let shared = InterruptFlag()

    public func raise() { raised.store(true, ordering: .relaxed) }

    /// Returns whether the flag was up, and lowers it.
    public func consume() -> Bool { raised.exchange(false, ordering: .relaxed) }

    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}
