import CVectorKernels
import Foundation

/// Micro-benchmarks of the engine, shared by `takeoff bench` and the benchmark scripts.
public enum Benchmarks {
    /// Seconds on a monotonic clock.
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Runs `body` repeatedly for at least `minSeconds` (after one warm-up call) and returns seconds per call.
    public static func time(minSeconds: Double = 0.3, _ body: () -> Void) -> Double {
        body()
        var calls = 0
        let start = now()
        var elapsed = 0.0
        repeat { body(); calls += 1; elapsed = now() - start } while elapsed < minSeconds
        return elapsed / Double(calls)
    }

    /// Square sgemm throughput.
    public static func gemm(size n: Int) -> (gflops: Double, secondsPerCall: Double) {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.randomNormal([n, n], using: &rng), b = Tensor.randomNormal([n, n], using: &rng)
        let c = Tensor.zeros([n, n])
        let s = time {
            BLAS.sgemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
        }
        return (2 * Double(n) * Double(n) * Double(n) / s / 1e9, s)
    }

    /// One elementwise workload: its name, the bytes it moves per call and its throughput.
    public struct Bandwidth: Sendable {
        public var name: String
        public var bytesPerCall: Int
        public var secondsPerCall: Double
        public var gigabytesPerSecond: Double { Double(bytesPerCall) / secondsPerCall / 1e9 }
    }

    /// Memory bandwidth of a plain copy and of elementwise ops over `count` floats; the first
    /// entry, a memcpy split over the kernel threads, is the reference.
    public static func elementwise(count n: Int = 1 << 24) -> [Bandwidth] {
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.randomNormal([n], using: &rng), y = Tensor.randomNormal([n], using: &rng)
        let out = Tensor(uninitializedShape: [n]), moment = Tensor.zeros([n])
        let bytes = n * MemoryLayout<Float>.stride
        let isaName = ["plain C", "AVX2", "AVX-512"][Int(takeoff_best_isa().rawValue)]
        // Adam's step over n parameters x with gradients y, moments out and moment: reads four streams, writes three.
        func adam(_ w: Tensor, _ g: Tensor, _ m: Tensor, _ v: Tensor, isa: takeoff_isa) {
            Parallel.ranges(n, cost: 4) { lo, hi in
                takeoff_adam(isa, w.pointer + lo, g.pointer + lo, m.pointer + lo, v.pointer + lo, hi - lo, 0.9, 0.999, 1e-8, 1e-9, 1, 0, 0)
            }
        }
        func run(_ name: String, streams: Int, _ body: () -> Void) -> Bandwidth {
            Bandwidth(name: name, bytesPerCall: streams * bytes, secondsPerCall: time(body))
        }
        return withoutGradients {
            [
                run("memcpy (threaded)", streams: 2) {
                    Parallel.ranges(n) { lo, hi in (out.pointer + lo).update(from: x.pointer + lo, count: hi - lo) }
                },
                run("memcpy (1 thread)", streams: 2) { out.pointer.update(from: x.pointer, count: n) },
                run("copy kernel", streams: 2) { CPULoops.map(x.pointer, into: out.pointer, count: n, Fn.Identity()) },
                run("x + y (op, allocates)", streams: 3) { _ = x + y },
                run("x + y (kernel)", streams: 3) { CPULoops.add(x.pointer, y.pointer, into: out.pointer, count: n) },
                run("relu(x) (op)", streams: 2) { _ = x.relu() },
                run("2x + 1 (affine op)", streams: 2) { _ = x.affine(scale: 2, shift: 1) },
                run("sigmoid(x) (op)", streams: 2) { _ = x.sigmoid() },
                run("sum(x)", streams: 1) { _ = x.sum() },
                run("adam update (\(isaName))", streams: 7) { adam(x, y, out, moment, isa: takeoff_best_isa()) },
                run("adam update (plain C)", streams: 7) { adam(x, y, out, moment, isa: TAKEOFF_ISA_GENERIC) },
            ]
        }
    }

    /// Forward and backward of an MLP (`widths`, ReLU, softmax cross-entropy) on one batch, built
    /// from engine ops: seconds per step and the share of it spent inside sgemm.
    public static func mlpStep(widths: [Int] = [784, 1024, 1024, 10], batch: Int = 256, minSeconds: Double = 1)
        -> (secondsPerStep: Double, gemmShare: Double, gflops: Double) {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([batch, widths[0]], using: &rng)
        let labels = (0..<batch).map { $0 % widths.last! }
        let layers = zip(widths.dropFirst(), widths).map { out, inp in
            (Tensor.randomNormal([out, inp], std: (2 / Float(inp)).squareRoot(), using: &rng).requiringGrad(),
             Tensor.zeros([out]).requiringGrad())
        }
        func step() {
            var h = x
            for (i, (w, b)) in layers.enumerated() {
                h = Tensor.dense(h, weight: w, bias: b, activation: i == layers.count - 1 ? .identity : .relu)
            }
            Tensor.softmaxCrossEntropy(logits: h, labels: labels).backward()
            for (w, b) in layers { w.zeroGrad(); b.zeroGrad() }
        }
        step()
        var seconds = 0.0, steps = 0
        let (gemm, _) = BLAS.Profile.measure {
            let start = now()
            repeat { step(); steps += 1; seconds = now() - start } while seconds < minSeconds
        }
        let flops = 6.0 * Double(batch) * zip(widths.dropFirst(), widths).reduce(0) { $0 + Double($1.0 * $1.1) }
        return (seconds / Double(steps), gemm / seconds, flops * Double(steps) / seconds / 1e9)
    }
}
