import Foundation
import Testing
@testable import TakeoffLab

/// Every axis gets four to eight round, distinct, labelled ticks inside its range, whatever the range.
@Suite struct AxisTicksTests {
    /// Ranges from the figures and their extremes: tiny, huge, negative, across zero, off-centre, zero-width.
    static let ranges: [(Double, Double)] = [
        (0.52, 0.61), (0.39, 0.48), (0, 1), (0.9, 0.999), (0.123, 0.1231), (1e-12, 3e-12), (1, 1 + 1e-9),
        (-5, 5), (-0.004, -0.001), (-1e9, -2e8), (3, 40), (0, 7), (1e12, 1e12 + 10), (17, 18), (99.2, 101.1),
        (0.5, 0.5), (0, 0), (-3, -3), (1e15, 1e15), (2, 1), (1e-300, 1e-299), (-1e300, 1e300), (0.0015, 0.85),
    ]

    /// Checks `ticks` over [lo, hi]: a count in `counts`, ascending, inside the range (widened for zero width),
    /// evenly spaced unless `log`, and labels that differ.
    func check(_ ticks: [AxisTicks.Tick], _ lo: Double, _ hi: Double, counts: ClosedRange<Int> = 4...8, log: Bool = false,
               label: (AxisTicks.Tick) -> String = \.label) {
        let context = "\(lo)…\(hi): \(ticks.map(label))"
        #expect(counts.contains(ticks.count), "\(context)")
        let values = ticks.map(\.value)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(context)")
        if lo != hi {
            let slack = abs(hi - lo) * 1e-9
            #expect(values.allSatisfy { $0 >= min(lo, hi) - slack && $0 <= max(lo, hi) + slack }, "\(context)")
        } else if let first = values.first, let last = values.last {
            #expect(first <= lo && lo <= last, "\(context)")
        }
        if !log, values.count >= 3 {
            let steps = zip(values, values.dropFirst()).map { $1 - $0 }
            #expect(steps.allSatisfy { abs($0 - steps[0]) <= abs(steps[0]) * 1e-6 }, "\(context)")
        }
        #expect(Set(ticks.map(label)).count == ticks.count, "labels repeat: \(context)")
        #expect(!ticks.map(label).contains { $0.hasPrefix("-0") && Double($0) == 0 }, "\(context)")
    }

    @Test func linearTicksFitAnyRange() {
        for (lo, hi) in Self.ranges { check(AxisTicks.linear(lo, hi), lo, hi) }
        // Sweep the scale and the offset.
        for e in -15...15 {
            for width in [1.0, 1.3, 2, 2.9, 4.4, 6.1, 7.7, 9.9] {
                for offset in [0.0, 0.37, -3.2, 1000] {
                    let lo = (offset + 0.123) * pow(10, Double(e)), hi = lo + width * pow(10, Double(e))
                    check(AxisTicks.linear(lo, hi), lo, hi)
                }
            }
        }
    }

    @Test func theAUCRangeGetsSeveralLabels() {
        let ticks = AxisTicks.linear(0.52, 0.61)
        #expect(ticks.map(\.label) == ["0.52", "0.54", "0.56", "0.58", "0.60"])
        #expect(AxisTicks.linear(0.9, 0.999).map(\.percent) == ["90%", "92%", "94%", "96%", "98%"])
        #expect(AxisTicks.linear(0, 1).map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(AxisTicks.linear(0, 25_000).map(\.label) == ["0", "5000", "10k", "15k", "20k", "25k"])
        #expect(AxisTicks.linear(1e12, 1e12 + 10).map(\.label).first == "1.000000000000e+12")
    }

    @Test func fewerWhereThePanelIsNarrow() {
        for (lo, hi) in Self.ranges {
            for most in 2...3 { check(AxisTicks.linear(lo, hi, most: most), lo, hi, counts: 1...most) }
            check(AxisTicks.linear(lo, hi, most: 3), lo, hi, counts: 2...3)
        }
    }

    @Test func logarithmicTicksFitAnyPositiveRange() {
        for e in -20...20 {
            for factor in [1.01, 1.2, 2, 3.5, 9, 10, 30, 100, 1e3, 1e4, 1e6, 1e12, 1e40] {
                let lo = 1.7 * pow(10, Double(e)), hi = lo * factor
                check(AxisTicks.logarithmic(lo, hi), lo, hi, log: true)
            }
        }
        #expect(AxisTicks.logarithmic(80, 2e4).map(\.label) == ["100", "200", "500", "1000", "2000", "5000", "10k", "20k"])
        #expect(AxisTicks.logarithmic(0.001, 10).map(\.label) == ["0.001", "0.01", "0.1", "1", "10"])
        #expect(AxisTicks.logarithmic(1, 1000).map(\.label) == ["1", "3", "10", "30", "100", "300", "1000"])
        // Half a decade or so: 1, 2, 3, 5, 7 (or finer) in each decade, evenly spread on the log scale.
        #expect(AxisTicks.logarithmic(2400, 37_500).map(\.value) == [3000, 5000, 7000, 10_000, 20_000, 30_000])
        #expect(AxisTicks.logarithmic(2400, 7500).map(\.label) == ["3000", "4000", "5000", "6000", "7000"])
        #expect(AxisTicks.logarithmic(0.012, 0.04).map(\.label) == ["0.015", "0.02", "0.03", "0.04"])
        #expect(AxisTicks.logarithmic(0.39, 0.48).map(\.label) == ["0.40", "0.42", "0.44", "0.46", "0.48"])
        #expect(AxisTicks.logarithmic(1e-300, 1e300).count >= 4)
        #expect(AxisTicks.logarithmic(0, 10).isEmpty && AxisTicks.logarithmic(-1, 10).isEmpty && AxisTicks.linear(.nan, 1).isEmpty)
        check(AxisTicks.logarithmic(5, 5), 5, 5, log: true)
    }

    @Test func aNarrowAxisGetsFewerTicksWhoseLabelsFit() {
        let wide = AxisTicks.fitting(across: 600) { AxisTicks.linear(0, 26, most: $0) }
        #expect(wide.map(\.label) == ["0", "5", "10", "15", "20", "25"])
        let narrow = AxisTicks.fitting(across: 60) { AxisTicks.linear(0, 26_000_000, most: $0) }
        #expect(narrow.count >= 1 && narrow.count <= 3, "\(narrow.map(\.label))")
        #expect(AxisTicks.room(tall: 400) == 8 && AxisTicks.room(tall: 100) == 3)
    }

    @Test func percentLabelsFollowTheStep() {
        #expect(AxisTicks.logarithmic(0.004, 0.6).map { AxisTicks.Tick(value: 1 - $0.value, decimals: $0.decimals).percent }
                == ["99.5%", "99%", "98%", "95%", "90%", "80%", "50%"])
    }
}
