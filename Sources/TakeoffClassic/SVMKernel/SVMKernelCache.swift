import TakeoffEngine

/// Rows of the kernel matrix of a training set, within a memory budget.
///
/// When the whole n×n matrix fits the budget it is computed once, block by block with sgemm
/// over the upper triangle and mirrored; otherwise rows are computed on demand with sgemv and
/// kept in least-recently-used slots (`budget / (4n)` of them, at least two, so the two rows of
/// a working pair are never evicted by each other).
public final class SVMKernelCache {
    public let count: Int
    public let kernel: SVMKernel
    /// The memory the cache may hold, in bytes.
    public let budgetBytes: Int
    /// The bytes of kernel values it holds (allocated once).
    public let allocatedBytes: Int
    /// Whether the whole matrix is held.
    public let isComplete: Bool
    public private(set) var hits = 0
    public private(set) var misses = 0
    /// K(xᵢ, xᵢ).
    public let diagonal: [Float]

    private let x: UnsafePointer<Float>
    private let d: Int
    private let norms: [Float]
    private let storage: SVMKernelStorage
    private let values: UnsafeMutablePointer<Float>
    private let slotCount: Int
    private var slotOfRow: [Int32]
    private var rowOfSlot: [Int32]
    private var lastUse: [Int]
    private var clock = 0

    /// A cache over rows `x` [n, d], which must outlive it, holding its values in `storage` (a fresh one when nil;
    /// pass one storage to the caches of successive problems so their pages are faulted in once).
    public init(x: UnsafePointer<Float>, n: Int, d: Int, kernel: SVMKernel, budgetBytes: Int, storage: SVMKernelStorage? = nil) {
        count = n
        self.kernel = kernel
        self.budgetBytes = budgetBytes
        self.x = x
        self.d = d
        let norms = Dense.rowNorms(x, n: n, d: d)
        self.norms = norms
        diagonal = (0..<n).map { kernel.value(dot: norms[$0], normA: norms[$0], normB: norms[$0]) }
        isComplete = n * max(n, 1) * 4 <= budgetBytes
        slotCount = Self.rowsHeld(n: n, budgetBytes: budgetBytes)
        allocatedBytes = slotCount * max(n, 1) * 4
        self.storage = storage ?? SVMKernelStorage()
        values = self.storage.reserve(slotCount * n)
        slotOfRow = [Int32](repeating: -1, count: n)
        rowOfSlot = [Int32](repeating: -1, count: slotCount)
        lastUse = [Int](repeating: 0, count: slotCount)
        if isComplete { fillAll() }
    }

    /// How many rows a cache over `n` rows keeps within `budgetBytes`: all of them when they fit, else at least two.
    public static func rowsHeld(n: Int, budgetBytes: Int) -> Int {
        let rowBytes = max(n, 1) * 4
        return n * rowBytes <= budgetBytes ? n : min(n, max(2, budgetBytes / rowBytes))
    }

    /// K(xᵢ, xⱼ) for all j; valid until two more rows have been requested.
    public func row(_ i: Int) -> UnsafePointer<Float> {
        if isComplete { hits += 1; return UnsafePointer(values + i * count) }
        clock += 1
        let s = Int(slotOfRow[i])
        if s >= 0 {
            hits += 1
            lastUse[s] = clock
            return UnsafePointer(values + s * count)
        }
        misses += 1
        var victim = 0
        for t in 1..<slotCount where lastUse[t] < lastUse[victim] { victim = t }
        if rowOfSlot[victim] >= 0 { slotOfRow[Int(rowOfSlot[victim])] = -1 }
        rowOfSlot[victim] = Int32(i)
        slotOfRow[i] = Int32(victim)
        lastUse[victim] = clock
        let out = values + victim * count
        norms.withUnsafeBufferPointer { kernel.row(x + i * d, normV: $0[i], x: x, norms: $0.baseAddress!, n: count, d: d, into: out) }
        return UnsafePointer(out)
    }

    private func fillAll() {
        let n = count, block = 256
        let out = values
        norms.withUnsafeBufferPointer { nb in
            let np = nb.baseAddress!
            for r0 in stride(from: 0, to: n, by: block) {
                let r1 = min(n, r0 + block)
                kernel.block(a: x + r0 * d, normsA: np + r0, na: r1 - r0, b: x + r0 * d, normsB: np + r0, nb: n - r0, d: d,
                             into: out + r0 * n + r0, ldo: n)
            }
        }
        // Lower triangle from the upper, in 64-column tiles so the strided reads stay in L1;
        // block b is paired with its mirror so both threads get equal work.
        let o = UncheckedSendable(out), blocks = (n + block - 1) / block
        Parallel.ranges((blocks + 1) / 2, cost: n * block) { lo, hi in
            for b in lo..<hi {
                for r0 in b == blocks - 1 - b ? [b * block] : [b * block, (blocks - 1 - b) * block] {
                    for c0 in stride(from: 0, to: r0, by: 64) {
                        let c1 = min(r0, c0 + 64)
                        for i in r0..<min(n, r0 + block) { for j in c0..<c1 { o.value[i * n + j] = o.value[j * n + i] } }
                    }
                }
            }
        }
        hits = 0
    }
}

/// Memory for kernel values, reused by the caches of one fit's successive binary problems: a one-vs-one fit
/// on 60,000 Fashion-MNIST images solves 45 problems of 12,000 rows, and allocating each one's 576 MB anew
/// cost more time in page faults than its SMO iterations.
public final class SVMKernelStorage: @unchecked Sendable {
    private var pointer: UnsafeMutablePointer<Float>
    private var capacity: Int

    /// Storage that grows to the largest request made of it; `capacity` values at once, where known.
    public init(capacity: Int = 1) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// At least `count` values (their contents undefined); valid until the next larger request.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }
}
