import TakeoffEngine

/// A network whose size is set by one number, its width: the learners of a scaling sweep
/// (`takeoff scale`), where the presets' three fixed sizes are too few points to fit a law in.
public struct NetworkShape: Sendable, Hashable, Codable {
    /// How the width is spent.
    public enum Family: String, Sendable, Codable, CaseIterable {
        /// `depth` hidden dense layers of `width` units.
        case mlp
        /// `depth` blocks of a 5×5 convolution with `width` channels (doubling each block) and 2×2 max-pooling, then the classes.
        case cnn
    }

    public var family: Family
    public var width: Int
    public var depth: Int

    public init(_ family: Family, width: Int, depth: Int) {
        (self.family, self.width, self.depth) = (family, width, depth)
    }

    /// The learner's name, e.g. `mlp-w64-d2`.
    public var name: String { "\(family.rawValue)-w\(width)-d\(depth)" }

    public var needsImages: Bool { family == .cnn }

    /// One line on the architecture.
    public var summary: String {
        switch family {
        case .mlp: "MLP, \(depth) hidden layer\(depth == 1 ? "" : "s") of \(width)"
        case .cnn: "CNN, \(depth) 5×5 convolution\(depth == 1 ? "" : "s") from \(width) channels with max-pooling"
        }
    }

    /// The network for inputs of `inputShape` (flat [d] for an MLP, [C, H, W] for a CNN).
    public func model(inputShape: [Int], classes: Int, activation: Activation, dropout: Float = 0, seed: UInt64) -> Sequential {
        Sequential(inputShape: inputShape, seed: seed) {
            switch family {
            case .mlp:
                for _ in 0..<depth {
                    Dense(width, activation: activation)
                    if dropout > 0 { Dropout(dropout) }
                }
            case .cnn:
                for block in 0..<depth {
                    Conv2D(width << block, kernel: 5, padding: 2, activation: activation)
                    MaxPool2D(2)
                }
                Flatten()
                if dropout > 0 { Dropout(dropout) }
            }
            Dense(classes)
        }
    }

    /// Trainable numbers and forward FLOPs per example for inputs of `inputShape` and `classes` classes,
    /// without allocating the network (exact for both families).
    public func size(inputShape: [Int], classes: Int) -> (parameters: Int, flopsPerExample: Int) {
        switch family {
        case .mlp:
            var (fanIn, parameters, flops) = (inputShape.reduce(1, *), 0, 0)
            for units in Array(repeating: width, count: depth) + [classes] {
                parameters += fanIn * units + units
                flops += 2 * fanIn * units
                fanIn = units
            }
            return (parameters, flops)
        case .cnn:
            var (channels, h, w) = (inputShape.first ?? 1, inputShape.count > 1 ? inputShape[1] : 1, inputShape.count > 2 ? inputShape[2] : 1)
            var (parameters, flops) = (0, 0)
            for block in 0..<depth {
                let out = width << block
                parameters += out * channels * 25 + out
                flops += 2 * out * channels * 25 * h * w
                (channels, h, w) = (out, h / 2, w / 2)
            }
            let features = channels * h * w
            return (parameters + features * classes + classes, flops + 2 * features * classes)
        }
    }
}

/// What a ``NeuralLearner`` builds: a registered preset, or a network of explicit width and depth.
public enum NeuralArchitecture: Sendable, Hashable {
    case preset(NeuralPreset)
    case shape(NetworkShape)

    public var name: String {
        switch self {
        case let .preset(p): p.rawValue
        case let .shape(s): s.name
        }
    }

    public var needsImages: Bool {
        switch self {
        case let .preset(p): p.needsImages
        case let .shape(s): s.needsImages
        }
    }

    /// Dropout after hidden layers when none is given: the preset's; none for a sized network (its
    /// width is the variable under study, so no regulariser is tuned to it).
    public var defaultDropout: Float {
        if case let .preset(p) = self { return p.defaultDropout }
        return 0
    }

    /// Why inputs of `inputShape` cannot feed this architecture (an MLP takes flat [d], a CNN [C, H, W] large
    /// enough to survive its poolings); nil when they can.
    public func unsuitableInput(_ inputShape: [Int]) -> String? {
        let pools = switch self {
        case let .preset(p): p.needsImages ? 2 : 0
        case let .shape(s): s.needsImages ? s.depth : 0
        }
        if !needsImages { return inputShape.count == 1 ? nil : "an MLP takes flat inputs [d], not \(inputShape)" }
        guard inputShape.count == 3 else { return "a CNN takes images [C, H, W], not \(inputShape)" }
        let smallest = 1 << min(pools, 30)
        return inputShape[1] >= smallest && inputShape[2] >= smallest
            ? nil : "\(inputShape[1])×\(inputShape[2]) images are too small for \(pools) 2×2 poolings (at least \(smallest)×\(smallest))"
    }

    /// Trainable numbers for inputs of `inputShape` and `classes` classes, counted in floating point so
    /// that no size overflows (for checking a size against memory before anything is allocated).
    public func parameterEstimate(inputShape: [Int], classes: Int) -> Double {
        let c = Double(classes)
        func dense(_ inputs: Double, _ widths: [Double]) -> Double { Self.dense(inputs, widths, classes: c) }
        func conv(_ widths: [Double], _ dense: [Double]) -> Double {
            var (channels, h, w) = (Double(inputShape.first ?? 1), Double(inputShape.count > 1 ? inputShape[1] : 1), Double(inputShape.count > 2 ? inputShape[2] : 1))
            var total = 0.0
            for out in widths { (total, channels, h, w) = (total + out * channels * 25 + out, out, (h / 2).rounded(.down), (w / 2).rounded(.down)) }
            return total + Self.dense(channels * h * w, dense, classes: c)
        }
        switch self {
        case let .preset(p):
            return switch p {
            case .mlpSmall: dense(Double(inputShape.reduce(1, *)), [64])
            case .mlpMedium: dense(Double(inputShape.reduce(1, *)), [256, 256])
            case .mlpLarge: dense(Double(inputShape.reduce(1, *)), [1024, 1024])
            case .cnn: conv([32, 64], [256])
            }
        case let .shape(s):
            let (w, inputs) = (Double(s.width), inputShape.map(Double.init).reduce(1, *))
            switch s.family {
            case .mlp:
                // Closed form: a depth from a file or an option can be far too large to list its layers.
                return inputs * w + w + Double(s.depth - 1) * (w * w + w) + w * c + c
            case .cnn:
                // Channels double each block: past 62 blocks no count is finite.
                guard s.depth <= 62 else { return .infinity }
                return conv((0..<s.depth).map { w * Double(sign: .plus, exponent: $0, significand: 1) }, [])
            }
        }
    }

    /// Bytes of float32 weights, gradients and up to two optimizer moments for inputs of `inputShape`: what
    /// training holds for its whole length, to check against ``MemoryLimit`` before building the network.
    public func trainingBytes(inputShape: [Int], classes: Int) -> Double {
        parameterEstimate(inputShape: inputShape, classes: classes) * 4 * 4
    }

    private static func dense(_ inputs: Double, _ widths: [Double], classes: Double) -> Double {
        var (fanIn, total) = (inputs, 0.0)
        for units in widths + [classes] { (total, fanIn) = (total + fanIn * units + units, units) }
        return total
    }

    public func model(inputShape: [Int], classes: Int, activation: Activation, dropout: Float = 0, seed: UInt64) -> Sequential {
        switch self {
        case let .preset(p): p.model(inputShape: inputShape, classes: classes, activation: activation, dropout: dropout, seed: seed)
        case let .shape(s): s.model(inputShape: inputShape, classes: classes, activation: activation, dropout: dropout, seed: seed)
        }
    }
}
