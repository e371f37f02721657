import Foundation

/// Parametric learning-curve families for accuracy against training size m, as in the Learning
/// Curve Database (Mohr, Viering, Loog and van Rijn, 2022), plus the "last observed value" baseline.
/// Fitted in x = m / scale for conditioning; ``parameters(raw:scale:)`` gives them in units of m.
public enum CurveFamily: String, CaseIterable, Sendable, Codable {
    /// Flat at the accuracy of the largest size fitted.
    case last
    /// a − b·m^(−c)
    case pow3
    /// a − b·(m + d)^(−c)
    case pow4
    /// Morgan–Mercer–Flodin: (a·b + c·m^d) / (b + m^d)
    case mmf4
    /// Weibull: c − b·exp(−a·m^d)
    case wbl4

    /// The formula in units of m.
    public var formula: String {
        switch self {
        case .last: "the last observed value"
        case .pow3: "a − b·m^(−c)"
        case .pow4: "a − b·(m + d)^(−c)"
        case .mmf4: "(a·b + c·m^d) / (b + m^d)"
        case .wbl4: "c − b·exp(−a·m^d)"
        }
    }

    public var parameterNames: [String] {
        switch self {
        case .last: ["value"]
        case .pow3: ["a", "b", "c"]
        case .pow4, .mmf4, .wbl4: ["a", "b", "c", "d"]
        }
    }

    public var parameterCount: Int { parameterNames.count }

    /// The curve at x for raw (x-unit) parameters `p`.
    func value(_ p: [Double], _ x: Double) -> Double {
        switch self {
        case .last: p[0]
        case .pow3: p[0] - p[1] * pow(x, -p[2])
        case .pow4: p[0] - p[1] * pow(x + p[3], -p[2])
        case .mmf4: (p[0] * p[1] + p[2] * pow(x, p[3])) / (p[1] + pow(x, p[3]))
        case .wbl4: p[2] - p[1] * exp(-p[0] * pow(x, p[3]))
        }
    }

    /// The limit as m grows without bound.
    func asymptote(_ p: [Double]) -> Double {
        switch self {
        case .last, .pow3, .pow4: p[0]
        case .mmf4, .wbl4: p[2]
        }
    }

    /// Where the parameters may go (x units): accuracies stay in [0, 1], exponents positive.
    var bounds: [ClosedRange<Double>] {
        switch self {
        case .last: [0...1]
        case .pow3: [0...1, -100...100, 0.001...5]
        case .pow4: [0...1, -100...100, 0.001...5, 0...100]
        case .mmf4: [0...1, 1e-9...1e9, 0...1, 0.01...10]
        case .wbl4: [1e-9...1e6, -2...2, 0...1, 0.01...10]
        }
    }

    /// Ranges for random starting points, given the observed accuracies' range.
    func startRanges(low: Double, high: Double) -> [ClosedRange<Double>] {
        let hi = min(1, max(0, high))...min(1, max(0, high) + 0.2)
        switch self {
        case .last: return [high...high]
        case .pow3: return [hi, 0.001...1, 0.05...2]
        case .pow4: return [hi, 0.001...1, 0.05...2, 0...2]
        case .mmf4: return [0...max(0, min(1, low)), 0.01...10, hi, 0.1...3]
        case .wbl4: return [0.1...20, 0...1, hi, 0.1...2]
        }
    }

    /// Raw parameters (fitted in x = m / scale) converted to units of m.
    public func parameters(raw p: [Double], scale s: Double) -> [Double] {
        switch self {
        case .last: p
        case .pow3: [p[0], p[1] * pow(s, p[2]), p[2]]
        case .pow4: [p[0], p[1] * pow(s, p[2]), p[2], p[3] * s]
        case .mmf4: [p[0], p[1] * pow(s, p[3]), p[2], p[3]]
        case .wbl4: [p[0] * pow(s, -p[3]), p[1], p[2], p[3]]
        }
    }
}
