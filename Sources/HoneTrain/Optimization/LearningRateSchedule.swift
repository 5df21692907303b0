import Foundation

/// The learning rate at each optimizer step (0-based), as Hugging Face's schedulers compute it.
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    /// Linear warm-up over `warmup` steps, then linear decay to 0 at `total`.
    case linear(warmup: Int, total: Int)
    /// Linear warm-up, then half a cosine down to 0 at `total` (`get_cosine_schedule_with_warmup`).
    case cosine(warmup: Int, total: Int)

    public func rate(step: Int, peak: Double) -> Double {
        switch self {
        case .constant:
            return peak
        case .linear(let warmup, let total):
            if step < warmup { return peak * Double(step) / Double(max(1, warmup)) }
            return peak * max(0, Double(total - step) / Double(max(1, total - warmup)))
        case .cosine(let warmup, let total):
            if step < warmup { return peak * Double(step) / Double(max(1, warmup)) }
            let progress = Double(step - warmup) / Double(max(1, total - warmup))
            return peak * max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
