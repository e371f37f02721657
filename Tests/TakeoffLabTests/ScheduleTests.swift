import Foundation
import Testing
import TakeoffData
@testable import TakeoffLab

/// Figure-first planning: one seed of every learner at every size before any second seed, and a budget
/// that cuts the run leaves it saying so.
@Suite struct ScheduleTests {
    func plan(seeds: [UInt64] = [0, 1, 2]) throws -> (SweepPlan, TrainTestSplit) {
        let split = try xorSplit(size: 2_000)
        return (try SweepPlan(learners: [learner("logreg"), learner("linear-svm"), learner("mlp-small", epochs: 5)],
                              sizes: [100, 200, 400, 800, 1600], seeds: seeds, split: split), split)
    }

    /// Drives the schedule with made-up costs instead of training: seconds = m / 100 × the learner's factor, or
    /// for a learner that plans its work, its largest size's cost so computed scaled by its planned work.
    func simulate(_ plan: SweepPlan, budget: Double?, factors: [Double] = [1, 2, 4]) -> (order: [CellKey], skipped: [CellKey]) {
        var schedule = SweepSchedule(plan: plan, stored: [:], budget: budget)
        var (elapsed, order, skipped) = (0.0, [CellKey](), [CellKey]())
        let largest = plan.sizes.last!
        func cost(_ key: CellKey) -> Double {
            let i = schedule.learner(of: key), work = plan.learners[i].work
            let scale = work[key.m].flatMap { w in work[largest].map { w / $0 } } ?? Double(key.m) / Double(largest)
            return scale * Double(largest) / 100 * factors[i]
        }
        loop: while true {
            switch schedule.next(elapsed: elapsed) {
            case let .run(key):
                let seconds = cost(key)
                elapsed += seconds
                order.append(key)
                schedule.finished(CellResult(key: key, status: .ok, accuracy: 0.5 + Double(schedule.learner(of: key)) / 10,
                                             fitSeconds: seconds, predictSeconds: 0, parameters: 1))
            case let .skip(keys, _): skipped += keys
            case .wait, .done: break loop
            }
        }
        return (order, skipped)
    }

    @Test func theLargestSizeOfEveryLearnerComesBeforeAnySecondSeed() throws {
        let (plan, _) = try plan()
        // The first seed of the whole grid costs 3 × 31 × 7 = 217 s; the budget allows a little more than that.
        let (order, skipped) = simulate(plan, budget: 400)
        let firstRepeat = try #require(order.firstIndex { $0.seed != 0 })
        for l in plan.learners {
            let largest = try #require(order.firstIndex { $0.configuration == l.configuration && $0.m == 1600 && $0.seed == 0 })
            #expect(largest < firstRepeat, "\(l.name) m = 1600 came after a second seed")
        }
        #expect(!skipped.isEmpty && skipped.allSatisfy { $0.seed != 0 })
    }

    /// The first seed of the grid costs 282 s here (mlp-small's cross-validated small sizes cost it work). Climbing
    /// in order, a 200 s budget ran out before the dearest learner's largest size; with the second-largest sizes
    /// last and the network starting at its largest, every learner reaches its largest size, and the sizes below
    /// are measured where the budget allows.
    @Test func theLargestSizeGoesBeforeTheSecondLargest() throws {
        let (plan, _) = try plan(seeds: [0])
        let (order, skipped) = simulate(plan, budget: 200)
        for l in plan.learners {
            let mine = order.filter { $0.configuration == l.configuration }.map(\.m)
            // A network (its work planned) starts at the largest size, then the smallest.
            let expected = l.work.isEmpty ? [100, 200, 400, 1600] : [1600, 100]
            #expect(Array(mine.prefix(expected.count)) == expected, "\(l.name): \(mine); skipped \(skipped.map(\.m))")
        }
        let largest = try #require(order.lastIndex { $0.m == 1600 })
        #expect(order.prefix(largest).allSatisfy { $0.m != 800 })
        #expect(!skipped.isEmpty && skipped.allSatisfy { $0.m != 1600 && $0.m >= 400 })
    }

    /// A network's recipe fixes its steps, so its cost can stay flat in m: where a learner plans its work, the
    /// measured time nearest in m is scaled by the planned work, not extrapolated at least linearly.
    @Test func plannedWorkScalesTheNearestMeasuredTime() {
        var cost = CostModel()
        cost.add(learner: "net", m: 1_600, seconds: 30)
        cost.add(learner: "net", m: 3_900, seconds: 100)
        let work: [Int: Double] = [1_600: 0.4, 3_900: 1.0, 9_600: 1.0, 60_000: 1.1]
        #expect(abs(cost.predict(learner: "net", m: 60_000, work: work)! - 110) < 1e-9)
        #expect(abs(cost.predict(learner: "net", m: 2_000, work: [2_000: 0.5, 1_600: 0.4, 3_900: 1.0])! - 37.5) < 1e-9)
        #expect(cost.predict(learner: "net", m: 60_000, work: [:]) == nil)
        #expect(cost.predict(learner: "net", m: 60_000)! > 1_000)  // what extrapolation alone says
    }

    /// The main job's grid: a network measures 60,000, then 100, then halves the widest gap in log m,
    /// 24,000 (the second-largest) last as for every learner.
    @Test func aNetworkFillsItsCurveByHalvingTheWidestGap() {
        #expect(SweepSchedule.bisectionOrder([100, 250, 620, 1_600, 3_900, 9_600, 24_000, 60_000])
            == [60_000, 100, 1_600, 9_600, 620, 250, 3_900, 24_000])
        #expect(SweepSchedule.bisectionOrder([100, 200, 400, 800, 1_600]) == [1_600, 100, 400, 200, 800])
        #expect(SweepSchedule.bisectionOrder([100, 200, 400]) == [400, 100, 200])
        #expect(SweepSchedule.bisectionOrder([100, 200]) == [200, 100])
    }

    @Test func networksPlanTheirWorkAndSolversDoNot() throws {
        let (plan, _) = try plan(seeds: [0])
        for l in plan.learners {
            #expect((l.name == "mlp-small") == (l.work.count == plan.sizes.count), "\(l.name): \(l.work)")
        }
        let net = try #require(plan.learners.first { $0.name == "mlp-small" })
        #expect(net.work.values.allSatisfy { $0 > 0 })
    }

    @Test func withoutABudgetEveryCellRunsAndTheDearestFirstSeedCellsLead() throws {
        let (plan, _) = try plan(seeds: [0, 1])
        let (order, skipped) = simulate(plan, budget: nil)
        #expect(order.count == plan.cells.count && skipped.isEmpty)
        #expect(Set(order) == Set(plan.cells))
        #expect(order.prefix(plan.learners.count * plan.sizes.count).allSatisfy { $0.seed == 0 })
    }

    /// A budget-cut run is not complete, says how long the rest would take, and keeps what it measured.
    @Test func aCutRunIsNotComplete() throws {
        let (plan, split) = try plan(seeds: [0])
        let store = try ResultStore(path: temporaryDirectory("cut").appendingPathComponent("s.sqlite").path)
        for key in plan.cells where key.m <= 400 {
            try store.record(CellResult(key: key, status: .ok, accuracy: 0.6, fitSeconds: Double(key.m) / 10, predictSeconds: 0, parameters: 1))
        }
        let runner = SweepRunner(plan: plan, split: split, store: store)
        runner.budget = 5
        let outcome = try runner.run()
        #expect(outcome.ran == 0 && !outcome.complete)
        #expect(outcome.remainingSeconds > 100)  // 800 and 1600 of three learners at ≥ 80 s each
        let report = CurveReport(dataName: "xor", plan: plan, outcome: outcome,
                                 analysis: Analysis(results: outcome.results, learners: plan.learners.map { ($0.name, $0.configuration) }),
                                 poolSize: split.train.count, testSize: split.test.count, budget: 5, compute: try Compute(threads: 1))
        #expect(report.console(out: "x").contains("Run the same command again to continue"))
        let json = try JSONSerialization.jsonObject(with: report.summaryJSON()) as? [String: Any]
        #expect((json?["run"] as? [String: Any])?["complete"] as? Bool == false)
    }
}
