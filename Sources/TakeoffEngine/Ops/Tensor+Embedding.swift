// Embedding lookup: rows of a table gathered by integer indices, one per field; backward scatter-adds the
// output's gradient into the table's rows (an index repeated in the batch sums its gradients).

extension Tensor {
    /// Rows of `table` [V, D] at `indices` [n, F] (whole numbers in 0..<V, held as Float), side by side:
    /// out [n, F·D], out[i, k·D..<(k+1)·D] = table[indices[i, k]]. The gradient reaches `table` only.
    /// CPU only in this version (the learners that use it train on the CPU).
    public static func embedding(_ indices: Tensor, table: Tensor) -> Tensor {
        precondition(indices.rank == 2 && table.rank == 2, "embedding: indices \(indices.shape) must be [n, fields] and table \(table.shape) [rows, dimension]")
        let (n, fields, rows, d) = (indices.shape[0], indices.shape[1], table.shape[0], table.shape[1])
        switch (indices.device, table.device) {
        case (.cpu, .cpu): break
        case (.cuda, _), (_, .cuda):
            preconditionFailure("embedding: not on CUDA in this version (indices on \(indices.device), table on \(table.device))")
        }
        // Rows by whole index; a value off the table is a caller's bug, named here.
        let at = [Int](unsafeUninitializedCapacity: n * fields) { buffer, count in
            for i in 0..<(n * fields) {
                let v = indices.pointer[i]
                let r = v.isFinite ? Int(v.rounded()) : -1
                precondition(r >= 0 && r < rows, "embedding: index \(v) at [\(i / Swift.max(fields, 1)), \(i % Swift.max(fields, 1))] is outside the table's 0..<\(rows) rows")
                buffer[i] = r
            }
            count = n * fields
        }
        let out = Tensor(uninitializedShape: [n, fields * d])
        let o = out.pointer, t = table.pointer
        at.withUnsafeBufferPointer { at in
            Parallel.ranges(n, cost: fields * d) { lo, hi in
                for i in lo..<hi { for k in 0..<fields { (o + (i * fields + k) * d).update(from: t + at[i * fields + k] * d, count: d) } }
            }
        }
        return record(out, [indices, table], "embedding") { g, needs in
            guard needs[1] else { return [nil, nil] }
            // Straight into the parameters' flat gradient buffer when there is one: no [V, D] temporary per step.
            let buffer = table.leafGradientBuffer
            let target = buffer ?? Tensor.zeros([rows, d])
            let dt = target.pointer, gp = g.pointer
            // In row order, one thread: the same sums in the same order on every run.
            for i in 0..<(n * fields) {
                let src = gp + i * d, dst = dt + at[i] * d
                for j in 0..<d { dst[j] += src[j] }
            }
            return [nil, buffer == nil ? target : nil]
        }
    }
}
