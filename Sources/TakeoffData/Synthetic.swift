import Foundation
import TakeoffEngine

/// Data sets generated from a seed. Row i depends only on the seed and i, so a larger `count`
/// extends a smaller one.
public enum Synthetic {
    /// Gaussian inputs labeled by the argmax of a random deep ReLU network (the "teacher"). Its
    /// decision boundary is as intricate as the network, so larger models keep improving with
    /// more data. Output biases are calibrated on a separate sample so classes are about equally common.
    public static func teacher(count: Int, seed: UInt64, inputs: Int = 20, hidden: [Int] = [64, 64, 64],
                               classes: Int = 5) throws -> Dataset {
        try check(count: count)
        guard inputs > 0, classes >= 2, hidden.allSatisfy({ $0 > 0 }) else {
            throw DataError.invalidParameter(name: "teacher", detail: "needs inputs ≥ 1, classes ≥ 2 and positive widths")
        }
        let root = RandomGenerator(seed: seed)
        var weightRNG = root.fork(0)
        var layers: [(w: Tensor, b: Tensor)] = []
        var fanIn = inputs
        for width in hidden + [classes] {
            let std = (2 / Float(fanIn)).squareRoot()
            layers.append((Tensor.randomNormal([width, fanIn], std: std, using: &weightRNG),
                           Tensor.randomNormal([width], std: 0.1, using: &weightRNG)))
            fanIn = width
        }
        func logits(_ x: Tensor) -> Tensor {
            withoutGradients {
                var h = x
                for (k, l) in layers.enumerated() {
                    h = Tensor.linear(h, weight: l.w, bias: l.b)
                    if k < layers.count - 1 { h = h.relu() }
                }
                return h
            }
        }
        func argmax(_ z: Tensor, bias: [Float]) -> [Int] {
            (0..<z.shape[0]).map { r in
                let row = z.pointer + r * classes
                var best = 0
                for c in 1..<classes where row[c] + bias[c] > row[best] + bias[best] { best = c }
                return best
            }
        }
        var calibrationRNG = root.fork(1)
        let calibration = logits(Tensor.randomNormal([8192, inputs], using: &calibrationRNG))
        let spread = calibration.scalars.map { abs($0) }.reduce(0, +) / Float(calibration.count)
        var bias = [Float](repeating: 0, count: classes)
        for _ in 0..<200 {
            var freq = [Float](repeating: 0, count: classes)
            for y in argmax(calibration, bias: bias) { freq[y] += 1 / 8192 }
            for c in 0..<classes { bias[c] -= 0.5 * spread * (freq[c] - 1 / Float(classes)) }
        }
        var inputRNG = root.fork(2)
        let x = Tensor.randomNormal([count, inputs], using: &inputRNG)
        return try labeled("teacher", x, argmax(logits(x), bias: bias), classes: classes)
    }

    /// Interleaved noisy spiral arms in the plane, one class per arm.
    public static func spirals(count: Int, seed: UInt64, arms: Int = 3, turns: Double = 1.5, noise: Double = 0.15) throws -> Dataset {
        try check(count: count)
        guard arms >= 2 else { throw DataError.invalidParameter(name: "spirals", detail: "needs at least 2 arms") }
        var rng = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let c = i % arms
            let t = Double(rng.uniform())
            let angle = 2 * Double.pi * (Double(c) / Double(arms) + turns * t) + noise * Double(rng.normal())
            let r = 0.1 + t
            values += [Float(r * cos(angle)), Float(r * sin(angle))]
            labels.append(c)
        }
        return try labeled("spirals", Tensor(values, shape: [count, 2]), labels, classes: arms)
    }

    /// Uniform points in [-1, 1]² labeled by whether the two coordinates have the same sign:
    /// no line separates the classes.
    public static func xor(count: Int, seed: UInt64) throws -> Dataset {
        try check(count: count)
        var rng = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let a = 2 * rng.uniform() - 1, b = 2 * rng.uniform() - 1
            values += [a, b]
            labels.append((a > 0) == (b > 0) ? 0 : 1)
        }
        return try labeled("xor", Tensor(values, shape: [count, 2]), labels, classes: 2)
    }

    static func check(count: Int) throws {
        guard count >= 4 && count <= 50_000_000 else {
            throw DataError.invalidParameter(name: "size", detail: "must be in 4...50,000,000, got \(count)")
        }
    }

    static func labeled(_ name: String, _ x: Tensor, _ y: [Int], classes: Int) throws -> Dataset {
        let d = Dataset(name: name, features: x, labels: y, classNames: (0..<classes).map { "class \($0)" })
        if d.classCounts.filter({ $0 > 0 }).count < 2 { throw DataError.singleClass(file: name, label: d.classNames[y[0]]) }
        return d
    }
}
