import TakeoffData
import TakeoffEngine

/// Gaussian blobs around well-separated centres: linearly separable with a wide margin.
func separableBlobs(count: Int, classes: Int = 3, dimension: Int = 5, seed: UInt64) -> Dataset {
    var rng = RandomGenerator(seed: seed)
    var values: [Float] = [], labels: [Int] = []
    for i in 0..<count {
        let c = i % classes
        for j in 0..<dimension { values.append((j == c % dimension ? 6 : 0) + (j == (c + 1) % dimension ? -3 : 0) + 0.5 * rng.normal()) }
        labels.append(c)
    }
    return Dataset(name: "blobs", features: Tensor(values, shape: [count, dimension]), labels: labels,
                   classNames: (0..<classes).map { "c\($0)" })
}

/// Noisy clusters at the four corners (±1, ±1); the class is whether the signs differ.
func xor(count: Int, noise: Float = 0.25, seed: UInt64) -> Dataset {
    var rng = RandomGenerator(seed: seed)
    var values: [Float] = [], labels: [Int] = []
    for i in 0..<count {
        let sx: Float = i % 2 == 0 ? 1 : -1, sy: Float = (i / 2) % 2 == 0 ? 1 : -1
        values += [sx + noise * rng.normal(), sy + noise * rng.normal()]
        labels.append(sx == sy ? 0 : 1)
    }
    return Dataset(name: "xor", features: Tensor(values, shape: [count, 2]), labels: labels, classNames: ["same", "different"])
}

func row(_ t: Tensor, _ i: Int) -> [Double] {
    let d = t.shape[1]
    return (0..<d).map { Double(t.pointer[i * d + $0]) }
}
