import Foundation
import GRDB
import Testing
import TakeoffData
@testable import TakeoffLab

@Suite struct StoreTests {
    @Test func roundTripKeepsEveryField() throws {
        let dir = temporaryDirectory("store")
        let store = try ResultStore(path: dir.appendingPathComponent("s.sqlite").path)
        let key = CellKey(dataset: "d", learner: "logreg", configuration: "{\"learner\":\"logreg\"}", m: 100, seed: .max)
        let ok = CellResult(key: key, status: .ok, accuracy: 0.8125, logLoss: 0.5, fitSeconds: 1.5, predictSeconds: 0.25, parameters: 42)
        var failed = ok
        failed.key.m = 200
        (failed.status, failed.accuracy, failed.logLoss, failed.error) = (.failed, nil, nil, "boom")
        try store.record(ok)
        try store.record(failed)
        try store.record(CellResult(key: CellKey(dataset: "d", learner: "x", configuration: "x", m: 1, seed: 0), status: .skippedBudget))
        let back = try ResultStore(path: store.path).results(dataset: "d")
        #expect(back.count == 2)
        #expect(back[ok.key] == ok)
        #expect(back[failed.key] == failed)
        #expect(try store.results(dataset: "other").isEmpty)
    }

    @Test func refusesAStoreOfAnotherSchemaAndAFileThatIsNotSQLite() throws {
        let dir = temporaryDirectory("schema")
        let path = dir.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE cells (x); PRAGMA user_version = 99") }
        try queue.close()
        #expect(throws: CurveError.incompatibleStore(path: path, found: 99, expected: ResultStore.schemaVersion)) {
            try ResultStore(path: path)
        }
        let junk = dir.appendingPathComponent("junk.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: junk)
        do {
            _ = try ResultStore(path: junk.path)
            Issue.record("a file of junk was opened as a store")
        } catch let CurveError.unreadableStore(p, _) {
            #expect(p == junk.path)
        }
    }

    @Test func rerunSkipsFinishedCellsAndAConfigurationChangeRerunsOnlyThatLearner() throws {
        let split = try xorSplit(size: 600)
        let store = try ResultStore(path: temporaryDirectory("rerun").appendingPathComponent("s.sqlite").path)
        let sizes = [40, 80, 160], seeds: [UInt64] = [0, 1]
        let first = try SweepRunner(plan: SweepPlan(learners: [learner("logreg"), learner("mlp-small", epochs: 5)], sizes: sizes, seeds: seeds,
                                                     split: split), split: split, store: store).run()
        #expect(first.ran == 12 && first.reused == 0 && first.complete)
        #expect(first.results.allSatisfy { $0.status == .ok })

        let again = try SweepRunner(plan: SweepPlan(learners: [learner("logreg"), learner("mlp-small", epochs: 5)], sizes: sizes, seeds: seeds,
                                                    split: split), split: split, store: store).run()
        #expect(again.ran == 0 && again.reused == 12)
        #expect(outcomes(again.results) == outcomes(first.results))

        let changed = try SweepRunner(plan: SweepPlan(learners: [learner("logreg"), learner("mlp-small", epochs: 6)], sizes: sizes, seeds: seeds,
                                                      split: split), split: split, store: store).run()
        #expect(changed.ran == 6 && changed.reused == 6)
        let logreg = changed.results.filter { $0.key.learner == "logreg" }
        #expect(outcomes(logreg) == outcomes(first.results.filter { $0.key.learner == "logreg" }))
    }

    @Test func badGridsAreRefusedBeforeTraining() throws {
        let split = try xorSplit(size: 600)
        #expect(throws: CurveError.sizeExceedsPool(m: 10_000, pool: split.train.count, dataset: split.train.name)) {
            try SweepPlan(learners: [learner("logreg")], sizes: [100, 10_000], seeds: [0], split: split)
        }
        #expect(throws: LearnerError.self) { try SweepPlan(learners: [learner("cnn")], sizes: [100], seeds: [0], split: split) }
        #expect(throws: CurveError.self) { try SweepPlan(learners: [learner("logreg"), learner("logreg")], sizes: [100], seeds: [0], split: split) }
        #expect(throws: LearnerError.self) { try learner("no-such-learner") }
    }

    /// A value of the wrong type in a stored row (a store edited by hand) stopped the program inside GRDB;
    /// it is now an error naming the store, the row and the column.
    @Test func wrongTypeInAStoredRowIsAnError() throws {
        let path = temporaryDirectory("badrow").appendingPathComponent("s.sqlite").path
        let store = try ResultStore(path: path)
        let key = CellKey(dataset: "d", learner: "logreg", configuration: "{}", m: 100, seed: 0)
        try store.record(CellResult(key: key, status: .ok, accuracy: 0.5))
        try store.queue.write { try $0.execute(sql: "UPDATE cells SET accuracy = 'abc'") }
        #expect(throws: CurveError.unreadableStore(path: path, detail: "row 1, column 'accuracy': \"abc\" is not a number or NULL")) {
            try store.results(dataset: "d")
        }
    }

    /// A store with this schema version but no `cells` table failed later with a bare SQLite message.
    @Test func storeWithoutItsTableIsRefusedWhenOpened() throws {
        let path = temporaryDirectory("notable").appendingPathComponent("s.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE other (x); PRAGMA user_version = \(ResultStore.schemaVersion)") }
        try queue.close()
        #expect(throws: CurveError.unreadableStore(path: path, detail: "it has schema version 1 but no table 'cells'")) {
            try ResultStore(path: path)
        }
    }
}
