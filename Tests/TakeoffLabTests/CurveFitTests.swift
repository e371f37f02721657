import Foundation
import Testing
@testable import TakeoffLab

@Suite struct CurveFitTests {
    let sizes = (0..<10).map { 100 * pow(2, Double($0)) }  // 100 … 51,200

    func close(_ a: [Double], _ b: [Double], relative: Double) -> Bool {
        zip(a, b).allSatisfy { abs($0 - $1) <= relative * max(abs($1), 1e-3) }
    }

    @Test func pow3RecoversItsParameters() throws {
        let truth = [0.91, 2.5, 0.45]
        let y = sizes.map { truth[0] - truth[1] * pow($0, -truth[2]) }
        let fit = try #require(CurveFit.fit(.pow3, sizes: sizes, values: y))
        #expect(close(fit.parameters, truth, relative: 1e-3), "got \(fit.parameters)")
        #expect(fit.rmse < 1e-6)
        #expect(abs(fit.asymptote - 0.91) < 1e-3)
    }

    @Test func mmf4RecoversItsParameters() throws {
        let truth = [0.3, 800.0, 0.88, 0.9]  // (a·b + c·m^d)/(b + m^d)
        let y = sizes.map { (truth[0] * truth[1] + truth[2] * pow($0, truth[3])) / (truth[1] + pow($0, truth[3])) }
        let fit = try #require(CurveFit.fit(.mmf4, sizes: sizes, values: y))
        #expect(close(fit.parameters, truth, relative: 1e-2), "got \(fit.parameters)")
        #expect(fit.rmse < 1e-5)
    }

    @Test func wbl4RecoversItsParameters() throws {
        let truth = [0.02, 0.6, 0.93, 0.7]  // c − b·exp(−a·m^d)
        let y = sizes.map { truth[2] - truth[1] * exp(-truth[0] * pow($0, truth[3])) }
        let fit = try #require(CurveFit.fit(.wbl4, sizes: sizes, values: y))
        #expect(close(fit.parameters, truth, relative: 1e-2), "got \(fit.parameters)")
        #expect(fit.rmse < 1e-5)
    }

    @Test func pow4FitsItsCurveAndPlateau() throws {
        let truth = [0.87, 4.0, 0.5, 300.0]  // a − b·(m + d)^(−c)
        let y = sizes.map { truth[0] - truth[1] * pow($0 + truth[3], -truth[2]) }
        let fit = try #require(CurveFit.fit(.pow4, sizes: sizes, values: y))
        #expect(fit.rmse < 1e-4)
        #expect(abs(fit.asymptote - 0.87) < 5e-3)
        #expect(abs(fit.predict(200_000) - (truth[0] - truth[1] * pow(200_300, -truth[2]))) < 2e-3)
    }

    @Test func backTestPicksAFamilyThatExtrapolatesAndReportsItsError() throws {
        let y = sizes.map { 0.9 - 3 * pow($0, -0.5) }
        let s = try #require(CurveSelection.select(sizes: sizes.map { Int($0) }, values: y))
        #expect(s.heldOut == [25_600, 51_200])
        let error = try #require(s.backtestError)
        #expect(error < 1e-3)
        // The flat baseline misses a rising curve by far more.
        let last = try #require(s.backtests.first { $0.family == .last }?.error)
        #expect(last > 10 * error)
        #expect(abs(s.fit.asymptote - 0.9) < 0.01)
    }

    @Test func aFlatCurveKeepsTheLastValue() throws {
        let y = [0.5, 0.52, 0.49, 0.51, 0.5, 0.505, 0.5, 0.5]
        let s = try #require(CurveSelection.select(sizes: [100, 200, 400, 800, 1600, 3200, 6400, 12800], values: y))
        #expect(try #require(s.backtestError) < 0.01)
        #expect(abs(s.fit.predict(1e6) - 0.5) < 0.02)
    }

    @Test func costModelFollowsAPowerLaw() {
        var cost = CostModel()
        #expect(cost.predict(learner: "k", m: 100) == nil)
        for m in [100, 200, 400] { cost.add(learner: "k", m: m, seconds: 1e-6 * pow(Double(m), 2)) }
        #expect(abs(cost.exponent(learner: "k")! - 2) < 1e-9)
        #expect(abs(cost.predict(learner: "k", m: 1600)! - 1e-6 * 1600 * 1600) < 1e-6)
    }
}
