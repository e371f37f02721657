import TakeoffEngine

/// Training objectives.
public enum Loss {
    /// Mean softmax cross-entropy of logits [n, c] against class labels (fused and stable).
    public static func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Tensor {
        Tensor.softmaxCrossEntropy(logits: logits, labels: labels)
    }

    /// The same, with the labels as a tensor of class indices on the logits' device.
    public static func crossEntropy(_ logits: Tensor, _ labels: Tensor) -> Tensor {
        Tensor.softmaxCrossEntropy(logits: logits, labels: labels)
    }

    /// Mean binary cross-entropy of logits against targets in [0, 1], computed stably from
    /// logits: max(z, 0) − z·t + log(1 + e^−|z|).
    public static func binaryCrossEntropy(logits z: Tensor, targets t: Tensor) -> Tensor {
        (z.relu() - z * t + ((-(z.relu() + (-z).relu())).exp() + 1).log()).mean()
    }

    /// Mean squared error.
    public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        (prediction - target).squared().mean()
    }
}
