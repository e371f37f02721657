import TakeoffData
import TakeoffEngine

/// How a training step puts the gradient of a batch's mean loss into the model's arena, on one device
/// or over a data-parallel group. ``Trainer/fit(_:train:validation:monitor:seed:)`` holds only the loop
/// around it: epochs, shuffling, the optimizer, validation and early stopping.
protocol StepStrategy: AnyObject {
    /// Whether the loop may stop at a ``Deadline`` between steps (data-parallel processes would have to agree on the step).
    var stopsAtDeadline: Bool { get }
    /// Starts an epoch whose steps take the rows of `order` of `train` in turn (the same training set every epoch,
    /// or a new one where images are augmented).
    func startEpoch(order: [Int], train: Dataset)
    /// The gradient of the mean loss over the rows `range` of the epoch's order (its `b`-th step), into the
    /// arena; returns the loss where the host has it at once, nil where the device keeps it until ``finishEpoch()``.
    func gradient(_ range: Range<Int>, step b: Int, context: inout ForwardContext) throws -> Float?
    /// After each optimizer step.
    func stepTaken()
    /// Ends the epoch: its steps' losses and the seconds into the epoch at which each step ended, where the
    /// device kept them (nil where ``gradient(_:step:context:)`` returned each loss).
    func finishEpoch() throws -> (losses: [Float], seconds: [Double])?
    /// At the end of each epoch, before the model is evaluated.
    func synchronize()
}

extension StepStrategy {
    var stopsAtDeadline: Bool { true }
    func stepTaken() {}
    func finishEpoch() throws -> (losses: [Float], seconds: [Double])? { nil }
    func synchronize() {}
}

extension Trainer {
    /// The step for `model` where it is (and over ``group`` when set), for batches of up to `batch` rows of
    /// training sets like `train`; `newDataEachEpoch` when each epoch brings its own (augmented) set.
    func strategy(_ model: Sequential, train: Dataset, batch: Int, newDataEachEpoch: Bool) throws -> any StepStrategy {
        // bf16 products run in the planned CPU step only.
        let precision = options.precision.resolved.precision
        let planned = group == nil ? TrainingStep(model: model, batch: batch, precision: precision) : nil
        guard precision == .fp32 || planned != nil else {
            throw TrainingError.unsuitableData(learner: name, reason: "--precision bf16 trains on the CPU in one process, for networks of dense, convolution, pooling and dropout layers, in this version")
        }
        if let group {
            guard model.device == .cpu else {
                throw TrainingError.unsuitableData(learner: name, reason: "data-parallel training runs on the CPU in this version (the sum goes through the host)")
            }
            return DataParallelStep(model: model, train: train, group: group)
        }
        switch model.device {
        case .cpu:
            if let planned { return PlannedCPUStep(step: planned, train: train) }
            return TapeStep(model: model, train: train)
        case .cuda:
            try GPU.throwIfFailed()
            try checkMemory(model, batch: batch)
            return CUDAStep(model: model, train: train, steps: (train.count + batch - 1) / batch, newDataEachEpoch: newDataEachEpoch)
        }
    }
}

/// On the CPU, in buffers planned once, without a tape (``TrainingStep``).
final class PlannedCPUStep: StepStrategy {
    let step: TrainingStep
    private var train: Dataset
    private var order: [Int] = []

    init(step: TrainingStep, train: Dataset) { (self.step, self.train) = (step, train) }

    func startEpoch(order: [Int], train: Dataset) { (self.order, self.train) = (order, train) }

    func gradient(_ range: Range<Int>, step b: Int, context: inout ForwardContext) throws -> Float? {
        step.run(features: train.features, labels: train.labels, rows: order[range], rng: &context.rng)
    }
}

/// On the CPU through the tape, for models with a layer that has no planned form.
final class TapeStep: StepStrategy {
    let model: Sequential
    private var train: Dataset
    private var order: [Int] = []

    init(model: Sequential, train: Dataset) { (self.model, self.train) = (model, train) }

    func startEpoch(order: [Int], train: Dataset) { (self.order, self.train) = (order, train) }

    func gradient(_ range: Range<Int>, step b: Int, context: inout ForwardContext) throws -> Float? {
        model.arena.zeroGradients()
        let idx = Array(order[range])
        let x = train.features.gather(idx, axis: 0).reshaped([idx.count] + model.inputShape)
        let loss = Loss.crossEntropy(model(x, context: &context), idx.map { train.labels[$0] })
        let value = loss.item
        loss.backward()
        return value
    }
}

/// On a GPU: the training set stays there when it fits in half the free memory, and each batch is gathered
/// on the device by its shuffled row numbers (else each batch is uploaded; an augmented set goes up anew each
/// epoch). The host only queues steps: their
/// losses stay on the device and their times come from marks on the stream, both read once per epoch.
final class CUDAStep: StepStrategy {
    let model: Sequential
    let timeline: GPUTimeline
    let steps: Int
    let newDataEachEpoch: Bool
    private var train: Dataset
    private var resident: DeviceResidentData?
    private var order: [Int] = []
    private var epochOrder: Tensor?
    private var losses: Tensor?

    init(model: Sequential, train: Dataset, steps: Int, newDataEachEpoch: Bool) {
        (self.model, self.train, self.steps, self.newDataEachEpoch) = (model, train, steps, newDataEachEpoch)
        resident = newDataEachEpoch ? nil : DeviceResidentData(train, inputShape: model.inputShape, device: model.device)
        timeline = GPU.current.timeline()
    }

    func startEpoch(order: [Int], train: Dataset) {
        timeline.mark()  // the stream is idle here: the last epoch ended reading values back
        if newDataEachEpoch { (self.train, resident) = (train, DeviceResidentData(train, inputShape: model.inputShape, device: model.device)) }
        self.order = order
        epochOrder = resident?.rows(order)
        losses = Tensor(uninitializedShape: [steps], device: model.device)
    }

    func gradient(_ range: Range<Int>, step b: Int, context: inout ForwardContext) throws -> Float? {
        model.arena.zeroGradients()
        let loss: Tensor
        if let resident, let epochOrder {
            let rows = epochOrder.view(range)
            loss = Loss.crossEntropy(model(resident.features.gather(rows, axis: 0), context: &context), resident.labels.gather(rows, axis: 0))
        } else {
            let idx = Array(order[range])
            let x = train.features.gather(idx, axis: 0).reshaped([idx.count] + model.inputShape).to(model.device)
            loss = Loss.crossEntropy(model(x, context: &context), idx.map { train.labels[$0] })
        }
        loss.backward()
        losses?.view(b..<(b + 1), shape: []).assign(from: loss)
        return nil
    }

    func stepTaken() { timeline.mark() }

    func finishEpoch() throws -> (losses: [Float], seconds: [Double])? {
        guard let values = losses?.scalars else { return nil }  // waits for the epoch's queued work
        try GPU.throwIfFailed()  // before the losses are read as numbers: NaN there would look like divergence
        return (values, timeline.read())
    }
}

/// Over the processes of a ``DataParallelGroup``, on the CPU: every process holds the whole training set,
/// computes the gradient of its shard of each global batch, and the summed gradient gives every process the
/// same step.
final class DataParallelStep: StepStrategy {
    let model: Sequential
    let group: any DataParallelGroup
    private var train: Dataset
    /// Seconds spent summing gradients over the group.
    private(set) var allreduceSeconds = 0.0
    private var order: [Int] = []

    init(model: Sequential, train: Dataset, group: any DataParallelGroup) {
        (self.model, self.train, self.group) = (model, train, group)
        // The same starting point everywhere, whatever each process drew.
        group.broadcast(UnsafeMutableBufferPointer(start: model.arena.values.base, count: model.arena.count), root: 0)
    }

    var stopsAtDeadline: Bool { false }

    func startEpoch(order: [Int], train: Dataset) { (self.order, self.train) = (order, train) }

    /// This process's rows of the global batch `range`, its mean-loss gradient weighted by its share, summed
    /// over the group. Returns the global batch's mean loss.
    func gradient(_ range: Range<Int>, step b: Int, context: inout ForwardContext) throws -> Float? {
        let arena = model.arena
        arena.zeroGradients()
        let rows = order[group.shard(range)]
        var loss: Float = 0
        if !rows.isEmpty {
            let idx = Array(rows)
            let x = train.features.gather(idx, axis: 0).reshaped([idx.count] + model.inputShape)
            let local = Loss.crossEntropy(model(x, context: &context), idx.map { train.labels[$0] })
            local.backward()
            let share = Float(idx.count) / Float(range.count)
            loss = local.item * share
            let g = UnsafeMutableBufferPointer(start: arena.gradients.base, count: arena.count)
            for i in g.indices { g[i] *= share }
        }
        let start = Benchmarks.now()
        group.allreduceSum(UnsafeMutableBufferPointer(start: arena.gradients.base, count: arena.count))
        var total = [loss]
        total.withUnsafeMutableBufferPointer { group.allreduceSum($0) }
        allreduceSeconds += Benchmarks.now() - start
        return total[0]
    }

    /// Makes every process hold rank 0's weights and the mean of the running statistics (batch norm), once
    /// per epoch, before anything is evaluated: the processes then judge and stop alike.
    func synchronize() {
        group.broadcast(UnsafeMutableBufferPointer(start: model.arena.values.base, count: model.arena.count), root: 0)
        for b in model.namedBuffers {
            var values = b.value.scalars
            values.withUnsafeMutableBufferPointer { group.allreduceSum($0) }
            b.layer.setBuffer(b.key, Tensor(values.map { $0 / Float(group.size) }, shape: b.value.shape))
        }
    }
}
