import Foundation
import TakeoffEngine

extension Dataset {
    /// A seeded stratified split into a kept part and a held-out part of about `fraction` of each class.
    /// Every class with at least two examples gives at least one to each side; a class with one
    /// example stays in the kept part. Both parts keep the original row order.
    public func stratifiedSplit(heldOut fraction: Double, seed: UInt64,
                                names: (kept: String, heldOut: String)? = nil) throws -> (kept: Dataset, heldOut: Dataset) {
        guard fraction > 0 && fraction < 1 else {
            throw DataError.invalidParameter(name: "held-out fraction", detail: "must be in (0, 1), got \(fraction)")
        }
        let rng = RandomGenerator(seed: seed)
        var kept: [Int] = [], held: [Int] = []
        for (c, members) in membersByClass().enumerated() {
            var m = members
            var r = rng.fork(UInt64(c))
            r.shuffle(&m)
            let k = m.count < 2 ? 0 : min(m.count - 1, max(1, Int((fraction * Double(m.count)).rounded())))
            held += m[..<k]
            kept += m[k...]
        }
        return (subset(kept.sorted(), name: names?.kept ?? "\(name)/train"),
                subset(held.sorted(), name: names?.heldOut ?? "\(name)/test"))
    }

    /// A validation split carved from inside this (training) subset, so a learner tunes only on
    /// its own m examples: (rows to fit on, rows to validate on). Throws when no class has two
    /// examples (then there is nothing to validate on without losing a class from training).
    public func validationSplit(fraction: Double = 0.2, seed: UInt64) throws -> (train: Dataset, validation: Dataset) {
        let s = try stratifiedSplit(heldOut: fraction, seed: seed, names: ("\(name)/fit", "\(name)/validation"))
        guard s.heldOut.count > 0 else {
            throw DataError.invalidParameter(name: "validation split", detail: "\(name) has \(count) examples and no class with two, too few to hold any out for validation")
        }
        return (s.kept, s.heldOut)
    }

    /// Seeded stratified `k`-fold cross-validation: for each fold, (rows to fit on, rows to validate on).
    /// Each class's shuffled rows are dealt to the folds in turn, continuing where the previous class
    /// stopped, so folds differ in size by at most one; a class with one example is never validated on
    /// (every fit part keeps every class). Throws when `k < 2` or when no class has two examples.
    public func stratifiedFolds(_ k: Int, seed: UInt64) throws -> [(train: Dataset, validation: Dataset)] {
        guard k >= 2 else { throw DataError.invalidParameter(name: "folds", detail: "need at least 2, got \(k)") }
        let rng = RandomGenerator(seed: seed)
        var folds = [[Int]](repeating: [], count: k)
        var next = 0
        for (c, members) in membersByClass().enumerated() where members.count >= 2 {
            var m = members
            var r = rng.fork(UInt64(c))
            r.shuffle(&m)
            for row in m {
                folds[next].append(row)
                next = (next + 1) % k
            }
        }
        guard folds.contains(where: { !$0.isEmpty }) else {
            throw DataError.invalidParameter(name: "cross-validation", detail: "\(name) has \(count) examples and no class with two, too few to validate on")
        }
        return folds.enumerated().filter { !$0.element.isEmpty }.map { i, held in
            let heldSet = Set(held)
            return (subset((0..<count).filter { !heldSet.contains($0) }, name: "\(name)/fit\(i + 1)"),
                    subset(held.sorted(), name: "\(name)/fold\(i + 1)"))
        }
    }

    /// The row indices of each class, in row order.
    func membersByClass() -> [[Int]] {
        var members = [[Int]](repeating: [], count: classCount)
        for (i, y) in labels.enumerated() { members[y].append(i) }
        return members
    }
}

/// Nested stratified subsets of a training pool for one seed: the subset of size m is the first m
/// rows of one seeded order, so smaller subsets are contained in larger ones. The order starts with
/// one example of every class, largest classes first (so every class is present whenever m ≥ the number of classes), then
/// always takes the class furthest below its share of the pool, so each prefix keeps class proportions.
public struct NestedSubsets: Sendable {
    /// The pool's rows in the order subsets take them.
    public let order: [Int]

    /// The order for `pool` and `seed`.
    public init(pool: Dataset, seed: UInt64) {
        let rng = RandomGenerator(seed: seed)
        var members = pool.membersByClass()
        for c in members.indices {
            var r = rng.fork(UInt64(c))
            r.shuffle(&members[c])
        }
        let n = pool.count
        let present = members.indices.filter { !members[$0].isEmpty }
        var taken = [Int](repeating: 0, count: members.count)
        var order: [Int] = []
        order.reserveCapacity(n)
        // Largest classes first (ties in seeded order), so even the prefixes shorter than the class count stay proportional.
        var first = rng.fork(UInt64.max)
        let tieBreak = first.permutation(members.count)
        for c in present.sorted(by: { (members[$0].count, tieBreak[$0]) > (members[$1].count, tieBreak[$1]) }) {
            order.append(members[c][0])
            taken[c] = 1
        }
        while order.count < n {
            let m = Double(order.count + 1)
            var best = -1
            var bestDeficit = -Double.infinity
            for c in present where taken[c] < members[c].count {
                let deficit = m * Double(members[c].count) / Double(n) - Double(taken[c])
                if deficit > bestDeficit { bestDeficit = deficit; best = c }
            }
            order.append(members[best][taken[best]])
            taken[best] += 1
        }
        self.order = order
    }

    /// The row indices of the subset of size `m` (at most the pool size).
    public func indices(_ m: Int) -> [Int] { Array(order.prefix(max(0, m))) }
}

extension Dataset {
    /// The nested stratified subset of `m` rows for `seed` (see ``NestedSubsets``).
    public func nestedSubset(_ m: Int, seed: UInt64) throws -> Dataset {
        guard m > 0 && m <= count else {
            throw DataError.invalidParameter(name: "subset size", detail: "\(m) is outside 1...\(count) (the training pool of \(name))")
        }
        return subset(NestedSubsets(pool: self, seed: seed).indices(m), name: "\(name)[m=\(m),seed=\(seed)]")
    }
}
