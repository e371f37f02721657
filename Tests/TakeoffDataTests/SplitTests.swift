import Foundation
import Testing
import TakeoffEngine
@testable import TakeoffData

@Suite struct SplitTests {
    /// An imbalanced pool: 5 classes with 400, 250, 200, 100 and 7 rows, shuffled by class.
    static let pool: Dataset = {
        let sizes = [400, 250, 200, 100, 7]
        var labels = sizes.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) }
        var rng = RandomGenerator(seed: 99)
        rng.shuffle(&labels)
        let x = Tensor((0..<labels.count).map(Float.init), shape: [labels.count, 1])
        return Dataset(name: "pool", features: x, labels: labels, classNames: ["a", "b", "c", "d", "e"])
    }()

    @Test func nestedSubsetsAreNested() {
        let s = NestedSubsets(pool: Self.pool, seed: 3)
        #expect(Set(s.order).count == Self.pool.count)
        var previous = Set<Int>()
        for m in [5, 10, 50, 100, 250, 500, 957] {
            let now = Set(s.indices(m))
            #expect(now.count == m && previous.isSubset(of: now))
            previous = now
        }
        let small = try! Self.pool.nestedSubset(100, seed: 3), large = try! Self.pool.nestedSubset(500, seed: 3)
        #expect(Set(small.features.scalars).isSubset(of: Set(large.features.scalars)))
    }

    @Test(arguments: [0, 1, 2, 3] as [UInt64]) func nestedSubsetsAreStratifiedWithEveryClass(seed: UInt64) {
        let s = NestedSubsets(pool: Self.pool, seed: seed)
        let n = Double(Self.pool.count), total = Self.pool.classCounts
        var counts = [Int](repeating: 0, count: 5)
        for (m, i) in s.order.enumerated() {
            counts[Self.pool.labels[i]] += 1
            let size = m + 1
            if size >= 5 { #expect(counts.allSatisfy { $0 >= 1 }, "m=\(size): \(counts)") }
            // Each class stays within one example of its share of the pool, except for the slack
            // that giving every class at least one example forces while some shares are below one.
            let shares = total.map { Double(size) * Double($0) / n }
            let forced = size < 5 ? 0 : shares.map { max(0, 1 - $0) }.reduce(0, +)
            for c in 0..<5 {
                #expect(abs(Double(counts[c]) - shares[c]) < 1 + forced, "m=\(size) class \(c): \(counts[c]) vs \(shares[c])")
            }
        }
    }

    @Test func stratifiedFoldsValidateEveryRowOnceAndKeepEveryClassInEachFit() throws {
        let labels = Self.pool.labels
        let pool = Self.pool.subset((labels.indices.filter { labels[$0] != 4 }.prefix(200) + [labels.firstIndex(of: 4)!]).sorted())
        let lonely = try #require(pool.classCounts.firstIndex(of: 1), "the test needs a class with one example")
        let folds = try pool.stratifiedFolds(5, seed: 7)
        #expect(folds.count == 5)
        // Row values are unique (the x column), so they identify rows across subsets.
        let validated = folds.flatMap { $0.validation.features.scalars }
        #expect(validated.count == pool.count - 1 && Set(validated).count == validated.count)
        let sizes = folds.map(\.validation.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        for fold in folds {
            #expect(fold.train.count + fold.validation.count == pool.count)
            #expect(fold.train.classCounts[lonely] == 1)
            for c in 0..<pool.classCount where c != lonely {
                let share = Double(pool.classCounts[c]) / 5
                #expect(abs(Double(fold.validation.classCounts[c]) - share) <= 1)
            }
        }
        #expect(try pool.stratifiedFolds(5, seed: 7).map(\.validation.features.scalars) == folds.map(\.validation.features.scalars))
        expectDataError("at least 2") { try pool.stratifiedFolds(1, seed: 0) }
    }

    @Test func deterministicPerSeed() {
        #expect(NestedSubsets(pool: Self.pool, seed: 5).order == NestedSubsets(pool: Self.pool, seed: 5).order)
        #expect(NestedSubsets(pool: Self.pool, seed: 5).order != NestedSubsets(pool: Self.pool, seed: 6).order)
        #expect(try! Self.pool.nestedSubset(64, seed: 5).fingerprint == (try! Self.pool.nestedSubset(64, seed: 5)).fingerprint)
        let a = try! Self.pool.stratifiedSplit(heldOut: 0.25, seed: 1), b = try! Self.pool.stratifiedSplit(heldOut: 0.25, seed: 1)
        #expect(a.heldOut.fingerprint == b.heldOut.fingerprint)
    }

    @Test func stratifiedTestSplitIsDisjointAndProportional() throws {
        let s = try Self.pool.stratifiedSplit(heldOut: 0.2, seed: 0)
        #expect(s.kept.count + s.heldOut.count == Self.pool.count)
        #expect(Set(s.kept.features.scalars).isDisjoint(with: Set(s.heldOut.features.scalars)))
        #expect(s.heldOut.classCounts == [80, 50, 40, 20, 1])
    }

    @Test func validationComesFromInsideTheSubset() throws {
        let sub = try Self.pool.nestedSubset(100, seed: 2)
        let v = try sub.validationSplit(fraction: 0.2, seed: 2)
        #expect(v.train.count + v.validation.count == 100)
        let inside = Set(sub.features.scalars)
        #expect(Set(v.validation.features.scalars).isSubset(of: inside) && Set(v.train.features.scalars).isSubset(of: inside))
        #expect(Set(v.train.features.scalars).isDisjoint(with: Set(v.validation.features.scalars)))
        #expect(v.train.classCounts.allSatisfy { $0 >= 1 })
    }

    @Test func validationNeedsAClassWithTwoExamples() throws {
        let tiny = try Self.pool.nestedSubset(5, seed: 0)
        #expect(tiny.classCounts == [1, 1, 1, 1, 1])
        expectDataError("validation", "too few") { try tiny.validationSplit(seed: 0) }
    }

    @Test func badParameters() {
        expectDataError("outside 1...957") { try Self.pool.nestedSubset(2_000, seed: 0) }
        expectDataError("(0, 1)") { try Self.pool.stratifiedSplit(heldOut: 1.5, seed: 0) }
    }
}
