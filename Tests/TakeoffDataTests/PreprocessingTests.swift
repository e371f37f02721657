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

    @Test func sharedStandardizerIsPerChannelForColourImages() {
        // Two 1×2 RGB images, channel planes: red (0, 2 | 4, 6), green all 100, blue (10, 30 | 50, 70).
        let rgb = Dataset(name: "rgb", features: Tensor([0, 2, 100, 100, 10, 30, 4, 6, 100, 100, 50, 70], shape: [2, 6]),
                          labels: [0, 1], classNames: ["a", "b"], imageShape: [3, 1, 2])
        let s = Standardizer.fitShared(rgb)
        // Red: mean 3, variance 5; green constant (only centred); blue: mean 40, variance 500.
        let (red, blue) = (Float(1 / 5.0.squareRoot()), Float(1 / 500.0.squareRoot()))
        for (got, want) in zip(s.scale, [red, red, 1, 1, blue, blue]) { #expect(abs(got - want) < 1e-6) }
        for (got, want) in zip(s.shift, [-3 * red, -3 * red, -100, -100, -40 * blue, -40 * blue]) { #expect(abs(got - want) < 1e-5) }
        // One channel: the same numbers as without an image shape.
        var grey = train
        grey.imageShape = [1, 1, 3]
        #expect(Standardizer.fitShared(grey).scale == Standardizer.fitShared(train).scale)
        #expect(Standardizer.fitShared(grey).shift == Standardizer.fitShared(train).shift)
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
