import ArgumentParser
import Foundation
import TakeoffEngine

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Takeoff's speed on this machine.",
        subcommands: [GEMM.self, Classic.self]
    )

    struct GEMM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gemm", abstract: "sgemm GFLOP/s at several square sizes.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Comma-separated matrix sizes.") var sizes: String = "128,256,512,1024,2048"
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            try global.apply()
            let sizes = try parseList(sizes, option: "--sizes")
            var rows: [[String: Any]] = []
            for n in sizes {
                let r = Benchmarks.gemm(size: n)
                rows.append(["size": n, "gflops": r.gflops, "seconds_per_call": r.secondsPerCall])
                if !json { print(String(format: "sgemm %5d×%-5d %8.1f GFLOP/s  (%.3f ms/call)", n, n, r.gflops, r.secondsPerCall * 1e3)) }
            }
            let info: [String: Any] = ["blas_core": BLAS.coreName, "blas_threads": BLAS.threadCount,
                                       "openblas_coretype_env": ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"]
            if json {
                print(jsonString(info.merging(["results": rows]) { a, _ in a }))
            } else {
                print("OpenBLAS core: \(BLAS.coreName), threads: \(BLAS.threadCount), OPENBLAS_CORETYPE=\(info["openblas_coretype_env"]!)")
            }
        }
    }
}

/// Parses "a,b,c" into positive integers, naming the option on error.
func parseList(_ text: String, option: String) throws -> [Int] {
    try text.split(separator: ",").map { part in
        guard let v = Int(part.trimmingCharacters(in: .whitespaces)), v > 0 else {
            throw ValidationError("\(option): '\(part)' is not a positive integer")
        }
        return v
    }
}

func jsonString(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}
