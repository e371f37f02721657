import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffData

@Suite struct SyntheticTests {
    @Test func teacherIsDeterministicBalancedAndExtendsWithCount() throws {
        let a = try Synthetic.teacher(count: 3_000, seed: 4), b = try Synthetic.teacher(count: 3_000, seed: 4)
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint != (try Synthetic.teacher(count: 3_000, seed: 5)).fingerprint)
        #expect(a.classCounts.allSatisfy { $0 > 3_000 / 5 / 2 }, "\(a.classCounts)")
        let small = try Synthetic.teacher(count: 500, seed: 4)
        #expect(Array(a.features.scalars.prefix(500 * 20)) == small.features.scalars)
        #expect(Array(a.labels.prefix(500)) == small.labels)
    }

    @Test func xorAndSpiralsAreNotLinearlySeparableByAxis() throws {
        let x = try Synthetic.xor(count: 1_000, seed: 1)
        for i in 0..<x.count {
            #expect((x.features[i, 0] > 0) == (x.features[i, 1] > 0) ? x.labels[i] == 0 : x.labels[i] == 1)
        }
        // The best single threshold on either coordinate is no better than chance.
        for j in 0..<2 {
            let pos = (0..<x.count).filter { x.features[$0, j] > 0 }
            let agree = pos.filter { x.labels[$0] == 1 }.count
            #expect(abs(Double(agree) / Double(pos.count) - 0.5) < 0.1)
        }
        let s = try Synthetic.spirals(count: 900, seed: 1)
        #expect(s.classCounts == [300, 300, 300] && s.featureCount == 2)
    }

    @Test func badSizes() {
        expectDataError("size") { try Synthetic.xor(count: 0, seed: 0) }
        expectDataError("size") { try DataCatalog.load("teacher", options: LoadOptions(size: -5)) }
    }
}
