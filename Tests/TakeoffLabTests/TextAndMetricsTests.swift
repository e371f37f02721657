import Foundation
import GRDB
import Testing
import TakeoffData
import TakeoffEngine
@testable import TakeoffLab

/// A spam-filter-like text file: 13% spam, ham and spam words from Zipf-like vocabularies, and in every message
/// a few one-off tokens (numbers, names) that land in buckets seen in one or two training messages, as in SMS.
func syntheticMessages(count: Int, seed: UInt64) -> String {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    func next(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }
    func zipf(_ n: Int) -> Int { Int(Double(n) * pow(Double(next(10_000) + 1) / 10_000, 3)) }
    var lines: [String] = []
    for _ in 0..<count {
        let spam = next(100) < 13
        var words: [String] = []
        for _ in 0..<(6 + next(10)) { words.append("w\(zipf(1_500))") }
        if spam { for _ in 0..<(3 + next(4)) { words.insert("s\(zipf(30))", at: next(words.count + 1)) } }
        for _ in 0..<(1 + next(3)) { words.append("id\(next(1_000_000))") }
        lines.append((spam ? "spam" : "ham") + "\t" + words.joined(separator: " "))
    }
    return lines.joined(separator: "\n") + "\n"
}

@Suite struct TextLearnerTests {
    /// Guards against two failures on TF-IDF text: mlp-small standardised per feature falls below "always ham"
    /// as m grows, and a C grid made for pixels keeps logreg at the majority rate.
    @Test func everyTextLearnerBeatsTheMajorityRate() throws {
        let dir = temporaryDirectory("text")
        let url = dir.appendingPathComponent("messages.txt")
        try syntheticMessages(count: 900, seed: 7).write(to: url, atomically: true, encoding: .utf8)
        // 1,024 buckets rather than the catalog's 4,096 keep the debug-build test fast; the failure is the same.
        let all = try TextReader(dimension: 1 << 10).read(url)
        let parts = try all.validationSplit(fraction: 0.3, seed: 0)
        let split = TrainTestSplit(train: parts.train, test: parts.validation, officialTest: false, preprocessing: .tfidf)
        let majority = Double(split.test.classCounts.max()!) / Double(split.test.count)
        #expect(majority > 0.8)
        for name in ["logreg", "linear-svm", "mlp-small"] {
            let indices = NestedSubsets(pool: split.train, seed: 0).indices(500)
            let cell = try TrainedCell(training: LearnerRegistry.learner(named: name, options: LearnerOptions()), split: split,
                                       indices: indices, seed: 0)
            #expect(cell.metrics.accuracy > majority + 0.03, "\(name): \(cell.metrics.accuracy) vs majority \(majority)")
            #expect((cell.metrics.positive?.recall ?? 0) > 0.2, "\(name): spam recall \(cell.metrics.positive?.recall ?? -1)")
        }
    }

    @Test func tfidfMarksItsRowsAsUnitRowsThroughSubsets() throws {
        let x = Tensor([3, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0], shape: [3, 4])
        let d = Dataset(name: "t", features: x, labels: [0, 1, 0], classNames: ["ham", "spam"])
        let t = TFIDF.fit(d).apply(to: d)
        #expect(t.unitRows && !d.unitRows && t.subset([0, 1]).unitRows && !Standardizer.fit(d).apply(to: d).unitRows)
    }

    @Test func emptyMessagesAreKeptAndNamed() throws {
        let dir = temporaryDirectory("empty")
        let url = dir.appendingPathComponent("m.txt")
        try ("ham\t\nspam\t!!!\n" + syntheticMessages(count: 40, seed: 1)).write(to: url, atomically: true, encoding: .utf8)
        let split = try DataCatalog.load(url.path)
        #expect(split.train.count + split.test.count == 42)
        #expect(split.notes.contains { $0.contains("2 messages have no words") && $0.contains("numbers 1, 2") })
    }
}

@Suite struct TwoClassMetricTests {
    /// AUC as its definition: over every (positive, negative) pair, 1 when the positive scores higher, ½ on a tie.
    func pairwiseAUC(_ s: [Double], _ y: [Int]) -> Double {
        var total = 0.0, pairs = 0.0
        for i in s.indices where y[i] == 1 {
            for j in s.indices where y[j] == 0 { total += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0; pairs += 1 }
        }
        return total / pairs
    }

    @Test func aucMatchesThePairwiseDefinitionWithTies() throws {
        let cases: [([Double], [Int])] = [
            ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]),  // 0.75
            ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]),  // all tied: 0.5
            ([0.2, 0.2, 0.7, 0.7, 0.1, 0.9], [1, 0, 0, 1, 0, 1]),
            ([3, 1, 2, 2, 2, 0, 1], [1, 0, 1, 0, 0, 0, 1]),
        ]
        for (s, y) in cases {
            #expect(abs(try PositiveClassMetrics.rocAUC(scores: s, labels: y)! - pairwiseAUC(s, y)) < 1e-12)
        }
        #expect(try PositiveClassMetrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]) == 0.75)
        #expect(try PositiveClassMetrics.rocAUC(scores: [1, 2], labels: [1, 1]) == nil)
        var state: UInt64 = 3
        let s = (0..<300).map { _ in state = state &* 6364136223846793005 &+ 1; return Double((state >> 40) % 20) }
        let y = s.indices.map { ($0 * 7919 + Int(s[$0])) % 3 == 0 ? 1 : 0 }
        #expect(abs(try PositiveClassMetrics.rocAUC(scores: s, labels: y)! - pairwiseAUC(s, y)) < 1e-12)
    }

    @Test func logLossAndPrecisionRecallMatchADirectComputation() throws {
        let p = [0.9, 0.2, 0.6, 0.4, 1.0], y = [1, 0, 0, 1, 1]
        let direct = -(log(0.9) + log(0.8) + log(0.4) + log(0.4) + log(1 - 1e-15)) / 5
        #expect(abs(try PositiveClassMetrics.logLoss(probabilities: p, labels: y) - direct) < 1e-12)
        // Probabilities as class scores: Metrics' log loss over the true class is the same number.
        let scores = Tensor(p.flatMap { [Float(1 - $0), Float($0)] }, shape: [5, 2])
        let m = try Metrics(scores: scores, labels: y, probabilities: true)
        #expect(abs(m.logLoss! - direct) < 1e-6)
        // Predicted spam where p > 0.5: rows 0, 2, 4; of them 0 and 4 are spam; spam rows are 0, 3, 4.
        #expect(m.positive?.precision == 2.0 / 3 && m.positive?.recall == 2.0 / 3 && abs(m.positive!.f1! - 2.0 / 3) < 1e-12)
        #expect(abs(m.positive!.auc! - pairwiseAUC(p, y)) < 1e-6)
    }

    @Test func aMetricThatNeedsTwoClassesSaysSo() {
        #expect(throws: MetricError.notBinary(metric: "ROC AUC", labels: 2)) { try PositiveClassMetrics.rocAUC(scores: [1, 2, 3], labels: [0, 1, 2]) }
        #expect(throws: MetricError.notBinary(metric: "log loss", labels: -1)) { try PositiveClassMetrics.logLoss(probabilities: [0.5], labels: [-1]) }
        #expect(MetricError.notBinary(metric: "ROC AUC", labels: 2).description.contains("two classes labelled 0 and 1"))
    }

    @Test func aStoreWrittenBeforeTheTwoClassColumnsOpensAndGainsThem() throws {
        let dir = temporaryDirectory("migrate")
        let path = dir.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE cells (dataset TEXT NOT NULL, learner TEXT NOT NULL, configuration TEXT NOT NULL,
                    m INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, accuracy REAL, log_loss REAL, fit_seconds REAL,
                    predict_seconds REAL, parameters INTEGER, error TEXT, finished_at TEXT NOT NULL, PRIMARY KEY (dataset, configuration, m, seed));
                INSERT INTO cells VALUES ('d', 'logreg', 'c', 100, 0, 'ok', 0.9, 0.3, 1, 0.1, 10, NULL, 'then');
                PRAGMA user_version = 1
                """)
        }
        try queue.close()
        let store = try ResultStore(path: path)
        let old = try store.results(dataset: "d")
        #expect(old.count == 1 && old.values.first!.accuracy == 0.9 && old.values.first!.auc == nil)
        let key = CellKey(dataset: "d", learner: "logreg", configuration: "c", m: 200, seed: 0)
        let new = CellResult(key: key, status: .ok, accuracy: 0.95, logLoss: 0.2, precision: 0.9, recall: 0.8, auc: 0.97)
        try store.record(new)
        #expect(try ResultStore(path: path).results(dataset: "d")[key] == new)
    }
}
