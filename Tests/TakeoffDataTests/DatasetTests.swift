import Testing
import TakeoffData
import TakeoffEngine

@Suite struct DatasetTests {
    @Test func subsetAndFingerprint() {
        let d = Dataset(name: "t", features: Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]), labels: [0, 1, 0], classNames: ["a", "b"])
        let s = d.subset([2, 0])
        #expect(s.features.scalars == [5, 6, 1, 2])
        #expect(s.labels == [0, 0])
        #expect(d.fingerprint == d.subset([0, 1, 2]).fingerprint)
        #expect(d.fingerprint != s.fingerprint)
        #expect(d.classCounts == [2, 1])
    }
}
