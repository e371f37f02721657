import TakeoffEngine

/// The network architectures Takeoff registers as learners.
public enum NeuralPreset: String, CaseIterable, Sendable {
    /// One hidden layer of 64.
    case mlpSmall = "mlp-small"
    /// Two hidden layers of 256.
    case mlpMedium = "mlp-medium"
    /// Two hidden layers of 1,024.
    case mlpLarge = "mlp-large"
    /// Two 5×5 convolutions (32 and 64 channels) with 2×2 max-pooling, dense 256, then the classes.
    case cnn

    /// Dropout after each hidden layer in the training recipe: every network but the smallest overfits without it
    /// (recipe 5 gave mlp-medium dropout: 89.52 ± 0.32% at m = 60,000 without, 89.83 ± 0.11% with, 3 seeds).
    public var defaultDropout: Float {
        switch self {
        case .mlpSmall: 0
        case .mlpMedium, .mlpLarge, .cnn: 0.2
        }
    }

    /// Whether the preset needs image-shaped inputs.
    public var needsImages: Bool { self == .cnn }

    /// The model for inputs of `inputShape` (flat [d] for MLPs, [C, H, W] for the CNN).
    public func model(inputShape: [Int], classes: Int, activation: Activation, dropout: Float = 0, seed: UInt64) -> Sequential {
        Sequential(inputShape: inputShape, seed: seed) {
            switch self {
            case .mlpSmall:
                Dense(64, activation: activation)
                if dropout > 0 { Dropout(dropout) }
            case .mlpMedium:
                for _ in 0..<2 {
                    Dense(256, activation: activation)
                    if dropout > 0 { Dropout(dropout) }
                }
            case .mlpLarge:
                for _ in 0..<2 {
                    Dense(1024, activation: activation)
                    if dropout > 0 { Dropout(dropout) }
                }
            case .cnn:
                Conv2D(32, kernel: 5, activation: activation)
                MaxPool2D(2)
                Conv2D(64, kernel: 5, activation: activation)
                MaxPool2D(2)
                Flatten()
                Dense(256, activation: activation)
                if dropout > 0 { Dropout(dropout) }
            }
            Dense(classes)
        }
    }
}
