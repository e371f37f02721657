import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffData

@Suite struct PreprocessingTests {
    let train = Dataset(name: "tr", features: Tensor([1, 10, 5, 3, 10, 5, 5, 10, 5], shape: [3, 3]), labels: [0, 1, 0], classNames: ["a", "b"])
    let test = Dataset(name: "te", features: Tensor([7, 0, 1], shape: [1, 3]), labels: [1], classNames: ["a", "b"])

    @Test func standardizerUsesTrainingStatisticsOnly() {
        let s = Standardizer.fit(train)
        let tr = s.apply(to: train), te = s.apply(to: test)
        let sd = Float((8.0 / 3).squareRoot())
        expectClose(tr.features, Tensor([-2 / sd, 0, 0, 0, 0, 0, 2 / sd, 0, 0], shape: [3, 3]))
        // Constant training columns are only centred, whatever the test data holds.
        expectClose(te.features, Tensor([4 / sd, -10, -4], shape: [1, 3]))
        #expect(train.features.scalars == [1, 10, 5, 3, 10, 5, 5, 10, 5])
    }

    @Test func sharedStandardizerUsesOneMeanAndOneSpreadForEveryFeature() {
        let s = Standardizer.fitShared(train)
        // The nine training values: mean 6, population variance 86 / 9.
        let sd = Float((86.0 / 9).squareRoot())
        #expect(s.scale.allSatisfy { abs($0 - 1 / sd) < 1e-6 })
        #expect(s.shift.allSatisfy { abs($0 + 6 / sd) < 1e-5 })
        expectClose(s.apply(to: test).features, Tensor([1 / sd, -6 / sd, -5 / sd], shape: [1, 3]))
        // A constant set is only centred.
        let constant = Dataset(name: "k", features: Tensor([2, 2, 2, 2], shape: [2, 2]), labels: [0, 1], classNames: ["a", "b"])
        #expect(Standardizer.fitShared(constant).apply(to: constant).features.scalars == [0, 0, 0, 0])
    }

    @Test func minMaxMapsTrainingRangeToUnitInterval() {
        let m = MinMaxScaler.fit(train)
        #expect(m.apply(to: train).features.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        expectClose(m.apply(to: test).features, Tensor([1.5, -10, -4], shape: [1, 3]))
    }

    @Test func tfidfWeightsRareTermsAndNormalisesRows() {
        let counts = Dataset(name: "c", features: Tensor([1, 1, 0, 1, 0, 2], shape: [2, 3]), labels: [0, 1], classNames: ["a", "b"])
        let t = TFIDF.fit(counts)
        #expect(abs(t.idf[0] - 1) < 1e-6 && t.idf[1] > 1 && t.idf[2] > 1)
        let out = t.apply(to: counts)
        for r in 0..<2 {
            let norm = (0..<3).map { out.features[r, $0] * out.features[r, $0] }.reduce(0, +)
            #expect(abs(norm - 1) < 1e-5)
        }
        #expect(out.features[0, 1] > out.features[0, 0])
    }

    @Test func preparedFitsOnTheSubset() {
        let split = TrainTestSplit(train: train, test: test, officialTest: false, preprocessing: .standardize)
        let p = split.prepared(train)
        #expect(p.test.features.scalars == Standardizer.fit(train).apply(to: test).features.scalars)
    }
}

func expectClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, sourceLocation: sourceLocation)
    let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance, "\(a) vs \(b)", sourceLocation: sourceLocation)
}
