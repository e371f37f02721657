import TakeoffEngine

/// A layer's training passes in buffers a ``TrainingStep`` plans once (the llm.c form of the layer), running
/// the same CPU kernels as its tape form, ``Layer/forward(_:context:)``: forward and backward over one block of
/// the batch's rows on the calling thread, then the parameter gradients over the whole batch, a part per thread.
protocol BlockLayer: Layer {
    /// Whether the output is the input itself, reshaped (no pass, no buffer).
    var isView: Bool { get }
    /// Whether each step draws a random key for this layer (dropout), in layer order, as the tape form draws.
    var drawsKey: Bool { get }
    /// Whether the layer multiplies its input by its weights (a dense layer, a convolution): under
    /// ``Precision/bf16`` the step rounds its input to bfloat16 before its forward pass.
    var multiplies: Bool { get }
    /// Floats per example that backward needs besides the layer's input and output (e.g. a pre-activation).
    var savedCount: Int { get }
    /// Floats of scratch per block, zeroed once when planned.
    var scratchCount: Int { get }
    /// Floats of parameter gradient each block sums over its own rows (convolutions, as their tape form does).
    var partialCount: Int { get }
    func forward(_ pass: BlockPass)
    /// The block's part of backward: the input's gradient when asked, and what the parameter gradients need.
    func backward(_ pass: BlockPass)
    /// Writes part `part` of `parts` (disjoint parts) of the parameter gradients over the whole batch.
    func parameterGradients(_ batch: BlockPass, part: Int, of parts: Int)
}

extension BlockLayer {
    var isView: Bool { false }
    var drawsKey: Bool { false }
    var multiplies: Bool { false }
    var savedCount: Int { 0 }
    var scratchCount: Int { 0 }
    var partialCount: Int { 0 }
    func parameterGradients(_ batch: BlockPass, part: Int, of parts: Int) {}
}

/// One layer's buffers for a block of `rows` examples (in ``BlockLayer/parameterGradients(_:part:of:)``: the
/// whole batch, with every block's partial gradients).
struct BlockPass {
    /// [rows, input shape…] and [rows, output shape…].
    let input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    /// [rows, savedCount] and the block's scratch.
    let saved: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    /// The gradient of the output (backward may overwrite it) and of the input (nil where none is needed).
    let outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    /// The block's partial gradients [partialCount] (the whole batch: every block's, one after another).
    let partial: UnsafeMutablePointer<Float>
    /// The arena's gradient buffer (see ``gradient(_:)``), and the values the products multiply (``value(_:)``): the
    /// arena's own, or under ``Precision/bf16`` a copy rounded to bfloat16.
    let gradients: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>
    /// Whether backward rounds the gradient its products take to bfloat16 (``Precision/bf16``).
    let roundsOperands: Bool
    let rows: Int
    /// The block's first row in the batch, this step's key for the layer, and the step's number of blocks.
    let firstRow: Int, key: UInt64, blocks: Int
    /// Where backward applies a ReLU's derivative (the step's plan moves a convolution's into the max pool after it).
    let reluDerivative: ReLUDerivative

    enum ReLUDerivative {
        /// The layer applies its own activation's derivative.
        case inPlace
        /// The next layer applies this layer's ReLU derivative: backward skips it.
        case movedToNext
        /// Backward applies the previous layer's ReLU derivative as it routes the gradient.
        case fromPrevious
    }

    /// Where the gradient of `parameter` goes.
    func gradient(_ parameter: Parameter) -> UnsafeMutablePointer<Float> { gradients + parameter.offset }

    /// The value of `parameter` the layer's products multiply.
    func value(_ parameter: Parameter) -> UnsafePointer<Float> { values + parameter.offset }

    /// Rounds the block's `count` floats at `x` to bfloat16 where the step runs in ``Precision/bf16``.
    func roundOperand(_ x: UnsafeMutablePointer<Float>, count: Int) { if roundsOperands { Precision.roundToBF16(x, count: count) } }

    /// Part `part` of `parts` of `0..<count`.
    static func share(_ count: Int, _ part: Int, _ parts: Int) -> Range<Int> { (count * part / parts)..<(count * (part + 1) / parts) }
}
