/// Checks an op's backward against central finite differences. Each op declares its cases (shapes,
/// input domains, non-contiguous views) next to its forward and backward (`GradCheckable`), and
/// one test walks `OpRegistry.all`, so a new op needs no new test.
///
/// The loss is Σ output·w for fixed random w, accumulated in Double; the forward runs in Float32,
/// so a difference quotient carries rounding noise of about ε_f32·|terms|/h. Each case states
/// its tolerance; the default suits smooth ops of unit-scale values.
public struct GradCheckCase {
    public enum Domain: Sendable {
        /// Normal values.
        case any
        /// Positive values, for `log` and divisors.
        case positive
        /// Integer indices below a bound (not differentiated), for embedding lookups.
        case indices(below: Int)
    }

    public struct Input {
        public var shape: [Int]
        public var domain: Domain
        /// Give the op a transposed view of a contiguous tensor, to check strided inputs.
        public var transposed: Bool

        public init(_ shape: [Int], _ domain: Domain = .any, transposed: Bool = false) {
            self.shape = shape
            self.domain = domain
            self.transposed = transposed
        }
    }

    public var name: String
    public var inputs: [Input]
    public var step: Double
    public var tolerance: Double
    public var function: ([Tensor]) -> Tensor

    public init(_ name: String, _ inputs: [Input], step: Double = 1e-2, tolerance: Double = 1e-2, _ function: @escaping ([Tensor]) -> Tensor) {
        self.name = name
        self.inputs = inputs
        self.step = step
        self.tolerance = tolerance
        self.function = function
    }
}

public protocol GradCheckable {
    static var gradCheckCases: [GradCheckCase] { get }
}

public enum GradCheck {
    public struct Report: CustomStringConvertible {
        public var name: String
        /// The largest |analytic − numeric| / max(1, |numeric|) over the elements checked.
        public var worstError: Double
        public var worstPlace: String
        public var checked: Int
        public var tolerance: Double
        public var passed: Bool { worstError <= tolerance }
        public var description: String {
            "\(name): worst error \(worstError) at \(worstPlace) over \(checked) elements (tolerance \(tolerance))"
        }
    }

    /// Runs one case; at most `samples` elements of each input are perturbed.
    public static func run(_ c: GradCheckCase, seed: UInt64 = 1, samples: Int = 48) -> Report {
        var rng = RandomGenerator(seed: seed)
        var leaves: [Tensor] = []
        var differentiable: [Bool] = []
        for input in c.inputs {
            let stored = input.transposed && input.shape.count >= 2 ? swapLast(input.shape) : input.shape
            let t: Tensor
            switch input.domain {
            case .any: t = Tensor.randn(stored, using: &rng)
            case .positive: t = Tensor.uniform(stored, 0.5, 2, using: &rng)
            case .indices(let bound): t = Tensor(shape: stored, values: (0..<stored.reduce(1, *)).map { _ in Float(rng.int(below: bound)) })
            }
            if case .indices = input.domain { differentiable.append(false) } else { differentiable.append(true) }
            leaves.append(t)
        }
        func views(_ ts: [Tensor]) -> [Tensor] {
            zip(ts, c.inputs).map { t, input in input.transposed && input.shape.count >= 2 ? t.transposed() : t }
        }
        // Analytic gradients.
        for (t, d) in zip(leaves, differentiable) { t.requiresGrad = d }
        let output = c.function(views(leaves))
        let weights = Tensor.randn(output.shape, using: &rng)
        output.backward(gradient: weights)
        let analytic = zip(leaves, differentiable).map { t, d in d ? (t.grad?.scalars ?? [Float](repeating: 0, count: t.count)) : [] }

        func loss(_ ts: [Tensor]) -> Double {
            let out = GradMode.withoutGradients { c.function(views(ts)) }.scalars
            let w = weights.scalars
            var total = 0.0
            for i in 0..<out.count { total += Double(out[i]) * Double(w[i]) }
            return total
        }

        var report = Report(name: c.name, worstError: 0, worstPlace: "-", checked: 0, tolerance: c.tolerance)
        for (index, leaf) in leaves.enumerated() where differentiable[index] {
            let base = leaf.scalars
            let positions = leaf.count <= samples ? Array(0..<leaf.count) : (0..<samples).map { _ in rng.int(below: leaf.count) }
            for j in positions {
                func perturbed(_ delta: Double) -> [Tensor] {
                    var values = base
                    values[j] = Float(Double(values[j]) + delta)
                    var copy = leaves.map { Tensor(shape: $0.shape, values: $0.scalars) }
                    copy[index] = Tensor(shape: leaf.shape, values: values)
                    return copy
                }
                let numeric = (loss(perturbed(c.step)) - loss(perturbed(-c.step))) / (2 * c.step)
                let error = abs(Double(analytic[index][j]) - numeric) / max(1, abs(numeric))
                report.checked += 1
                if error > report.worstError {
                    report.worstError = error
                    report.worstPlace = "input \(index) element \(j) (analytic \(analytic[index][j]), numeric \(numeric))"
                }
            }
        }
        return report
    }

    static func swapLast(_ shape: [Int]) -> [Int] {
        var s = shape
        s.swapAt(s.count - 1, s.count - 2)
        return s
    }
}
