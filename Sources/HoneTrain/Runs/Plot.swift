import Foundation

/// One named line of a plot: a loss curve, a learning-rate schedule.
public struct PlotSeries: Sendable {
    public var name: String
    /// In drawing order; points with a NaN or infinite coordinate are skipped.
    public var points: [(x: Double, y: Double)]

    public init(name: String, points: [(x: Double, y: Double)]) {
        self.name = name
        self.points = points
    }

    /// The points both renderers draw: those with finite coordinates.
    var finitePoints: [(x: Double, y: Double)] { points.filter { $0.x.isFinite && $0.y.isFinite } }
}

/// The x and y ranges that hold every finite point of a set of series, widened where a range
/// is a single value so that a constant series or a lone point lands in the middle.
struct PlotBounds: Equatable {
    var xMin: Double
    var xMax: Double
    var yMin: Double
    var yMax: Double

    /// Nil when no series has a finite point.
    init?(_ series: [PlotSeries]) {
        let points = series.flatMap(\.finitePoints)
        guard let first = points.first else { return nil }
        (xMin, xMax, yMin, yMax) = (first.x, first.x, first.y, first.y)
        for p in points {
            xMin = min(xMin, p.x); xMax = max(xMax, p.x)
            yMin = min(yMin, p.y); yMax = max(yMax, p.y)
        }
        (xMin, xMax) = Self.widened(xMin, xMax)
        (yMin, yMax) = Self.widened(yMin, yMax)
    }

    /// An empty range grows by half its value (or by 0.5 at zero) on each side.
    static func widened(_ low: Double, _ high: Double) -> (Double, Double) {
        guard low == high else { return (low, high) }
        let pad = low == 0 ? 0.5 : abs(low) * 0.5
        return (low - pad, high + pad)
    }

    /// Where `x` falls, 0 at `xMin` and 1 at `xMax`.
    func fractionX(_ x: Double) -> Double { (x - xMin) / (xMax - xMin) }
    /// Where `y` falls, 0 at `yMin` and 1 at `yMax`.
    func fractionY(_ y: Double) -> Double { (y - yMin) / (yMax - yMin) }
}

/// Axis labels: up to four significant digits, no exponent for ordinary magnitudes
/// (`0.0001234` → "0.0001234", `2.5` → "2.5", `25000` → "2.500e+04").
func plotLabel(_ value: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e-4 && magnitude < 1e4 {
        // Four significant digits, trailing zeros dropped.
        let digits = max(0, 3 - Int(floor(log10(magnitude))))
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
    return String(format: "%.3e", value)
}
