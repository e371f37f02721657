import TakeoffEngine

/// A CPU training step of a ``Sequential`` classifier whose buffers are all planned when it is made: after
/// that a step allocates nothing and records no tape.
///
/// Two parallel passes: each thread takes a fixed block of the batch's rows through forward, loss and backward
/// (single-threaded BLAS, no join between layers); then each thread writes its part of every parameter
/// gradient over the whole batch (the dense layers' GEMMs sum over all rows, the convolutions add the blocks'
/// sums in block order, as the tape's ops do). The parts depend only on the batch and the thread count, so
/// the numbers are the same run to run for a thread count.
final class TrainingStep {
    /// One layer's buffers over the whole batch; a block uses its rows.
    private struct Buffers {
        let input, output, saved, scratch, outputGradient, partial: UnsafeMutablePointer<Float>
        let inputGradient: UnsafeMutablePointer<Float>?
        let inputCount, outputCount, savedCount, scratchCount, partialCount: Int
        let reluDerivative: BlockPass.ReLUDerivative
    }

    private let layers: [any BlockLayer]
    private let buffers: [Buffers]
    private let arena: ParameterArena
    private let input: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int>, losses: UnsafeMutablePointer<Float>
    private let inputCount: Int, classes: Int
    /// Rows per batch, and the blocks it is cut into.
    let batch: Int, blocks: Int
    private var keys: [UInt64]
    /// Under ``Precision/bf16``: the arena's values rounded to bfloat16 at the start of each step, which the products multiply.
    private let roundedValues: UnsafeMutablePointer<Float>?
    /// The memory behind the buffers, kept alive here.
    private var memory: [Storage] = []

    /// A step for batches of up to `batch` rows whose products take `precision` (fp32 or bf16), or nil where a layer
    /// has no block form or the model is not on the CPU.
    init?(model: Sequential, batch: Int, precision: Precision = .fp32) {
        precondition(precision != .auto, "TrainingStep: decide auto before planning")
        let layers = model.layers.compactMap { $0 as? any BlockLayer }
        guard model.device == .cpu, layers.count == model.layers.count, model.outputShape.count == 1, batch > 0 else { return nil }
        self.layers = layers
        // A max pool after a ReLU convolution applies ReLU's derivative as it routes the gradient (a select per
        // window), which saves the convolution a pass over its output.
        var reluDerivative = [BlockPass.ReLUDerivative](repeating: .inPlace, count: layers.count)
        for i in layers.indices.dropLast() {
            guard let conv = layers[i] as? Conv2D, layers[i + 1] is MaxPool2D, conv.activation == .relu else { continue }
            (reluDerivative[i], reluDerivative[i + 1]) = (.movedToNext, .fromPrevious)
        }
        arena = model.arena
        let (inputCount, blocks) = (model.inputShape.reduce(1, *), CPULoops.blockCount(batch))
        (self.inputCount, self.blocks) = (inputCount, blocks)
        classes = model.outputShape[0]
        self.batch = batch
        keys = Array(repeating: 0, count: layers.count)
        var memory: [Storage] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let s = Storage(zeros: Swift.max(count, 1))
            memory.append(s)
            return s.base
        }
        let input = buffer(batch * inputCount)
        self.input = input
        labels = UnsafeMutableRawPointer(buffer(batch * MemoryLayout<Int>.stride / MemoryLayout<Float>.stride))
            .bindMemory(to: Int.self, capacity: batch)
        losses = buffer(batch)
        // Every layer's output and its gradient (a view shares both with its input); a layer gets its input's
        // gradient only where a layer before it computes something.
        let firstComputing = layers.firstIndex { !$0.isView } ?? layers.count
        var (current, currentGradient, currentCount) = (input, UnsafeMutablePointer<Float>?.none, inputCount)
        var planned: [Buffers] = []
        for (i, (layer, shape)) in zip(layers, model.shapes).enumerated() {
            let count = shape.reduce(1, *)
            let output = layer.isView ? current : buffer(batch * count)
            let outputGradient = layer.isView ? currentGradient ?? buffer(batch * count) : buffer(batch * count)
            planned.append(Buffers(input: current, output: output, saved: buffer(batch * layer.savedCount),
                                   scratch: buffer(blocks * layer.scratchCount), outputGradient: outputGradient,
                                   partial: buffer(blocks * layer.partialCount), inputGradient: i > firstComputing ? currentGradient : nil,
                                   inputCount: currentCount, outputCount: count, savedCount: layer.savedCount,
                                   scratchCount: layer.scratchCount, partialCount: layer.partialCount, reluDerivative: reluDerivative[i]))
            (current, currentGradient, currentCount) = (output, outputGradient, count)
        }
        buffers = planned
        roundedValues = precision == .bf16 ? buffer(arena.count) : nil
        self.memory = memory
    }

    /// Forward and backward of the mean softmax cross-entropy on `rows` (at most ``batch`` row numbers) of
    /// `features` [N, …] with their `labels`; writes every parameter's gradient into the arena and returns the
    /// mean loss. Draws dropout's keys from `rng` as the tape's forward pass would.
    func run(features: Tensor, labels: [Int], rows: ArraySlice<Int>, rng: inout RandomGenerator) -> Float {
        let n = rows.count
        precondition(n > 0 && n <= batch, "TrainingStep: \(n) rows for a step planned for \(batch)")
        precondition(features.device == .cpu && features.count == features.shape[0] * inputCount,
                     "TrainingStep: features \(features.shape) for inputs of \(inputCount) values")
        for (i, layer) in layers.enumerated() where layer.drawsKey { keys[i] = rng.next() }
        let t = Swift.min(blocks, n), scale = 1 / Float(n)
        let x = UnsafePointer(features.pointer)
        if let roundedValues {
            let (values, count) = (arena.values.base, arena.count)
            Parallel.ranges(count) { lo, hi in
                (roundedValues + lo).update(from: values + lo, count: hi - lo)
                Precision.roundToBF16(roundedValues + lo, count: hi - lo)
            }
        }
        BLAS.singleThreaded {
            Parallel.forEach(t) { b in
                let (lo, hi) = (n * b / t, n * (b + 1) / t)
                for k in lo..<hi {
                    let r = rows[rows.startIndex + k]
                    (input + k * inputCount).update(from: x + r * inputCount, count: inputCount)
                    self.labels[k] = labels[r]
                }
                for i in layers.indices {
                    let p = pass(i, block: b, lo, hi)
                    if layers[i].multiplies { p.roundOperand(p.input, count: p.rows * buffers[i].inputCount) }
                    layers[i].forward(p)
                }
                let last = buffers[buffers.count - 1]
                CPULoops.softmaxCrossEntropy(last.output + lo * classes, labels: self.labels + lo, rows: hi - lo, classes: classes,
                                             scale: scale, losses: losses + lo, gradient: last.outputGradient + lo * classes)
                for i in layers.indices.reversed() { layers[i].backward(pass(i, block: b, lo, hi)) }
            }
            Parallel.forEach(t) { part in
                for i in layers.indices { layers[i].parameterGradients(pass(i, block: 0, 0, n, blocks: t), part: part, of: t) }
            }
        }
        return CPULoops.sumContiguous(losses, count: n) / Float(n)
    }

    /// Layer `i`'s buffers for rows `lo..<hi` and its block's scratch and partial gradients (all blocks' from block 0).
    private func pass(_ i: Int, block: Int, _ lo: Int, _ hi: Int, blocks: Int = 0) -> BlockPass {
        let b = buffers[i]
        return BlockPass(input: b.input + lo * b.inputCount, output: b.output + lo * b.outputCount, saved: b.saved + lo * b.savedCount,
                         scratch: b.scratch + block * b.scratchCount, outputGradient: b.outputGradient + lo * b.outputCount,
                         inputGradient: b.inputGradient.map { $0 + lo * b.inputCount }, partial: b.partial + block * b.partialCount,
                         gradients: arena.gradients.base, values: UnsafePointer(roundedValues ?? arena.values.base),
                         roundsOperands: roundedValues != nil, rows: hi - lo, firstRow: lo, key: keys[i], blocks: blocks,
                         reluDerivative: b.reluDerivative)
    }
}
