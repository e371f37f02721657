// swift-tools-version:6.1
import PackageDescription

// Layers, one module each; data flows one way:
// CBLAS (+ CVectorKernels: hand-vectorised C) → TakeoffEngine (tensors, autodiff) → TakeoffData (+ CZlib, + CImageDecode over CPNG and CJPEG) / TakeoffNN (+ CVectorKernels) / TakeoffClassic (+ CVectorKernels) → TakeoffLab (+ GRDB,
// + TakeoffMPI over CMPI, + CRsvg for PNG figures) → TakeoffServe (the live view over stores, on its own small HTTP server) → takeoff (CLI).
let package = Package(
    name: "Takeoff",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "takeoff", targets: ["takeoff"]),
        .library(name: "TakeoffEngine", targets: ["TakeoffEngine"]),
        .library(name: "TakeoffData", targets: ["TakeoffData"]),
        .library(name: "TakeoffNN", targets: ["TakeoffNN"]),
        .library(name: "TakeoffClassic", targets: ["TakeoffClassic"]),
        .library(name: "TakeoffMPI", targets: ["TakeoffMPI"]),
        .library(name: "TakeoffLab", targets: ["TakeoffLab"]),
        .library(name: "TakeoffServe", targets: ["TakeoffServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            path: "Sources/CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            path: "Sources/CJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]
        ),
        .systemLibrary(
            name: "CRsvg",
            path: "Sources/CRsvg",
            pkgConfig: "librsvg-2.0",
            providers: [.apt(["librsvg2-dev"])]
        ),
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        .target(name: "CVectorKernels"),
        .target(name: "CImageDecode", dependencies: ["CPNG", "CJPEG"]),
        .target(name: "TakeoffEngine", dependencies: ["CBLAS", "CVectorKernels"]),
        .target(name: "TakeoffData", dependencies: ["TakeoffEngine", "CZlib", "CImageDecode"]),
        .target(name: "TakeoffNN", dependencies: ["TakeoffEngine", "TakeoffData", "CVectorKernels"]),
        .target(name: "TakeoffClassic", dependencies: ["TakeoffEngine", "TakeoffData", "CVectorKernels"]),
        .target(name: "TakeoffMPI", dependencies: ["CMPI"]),
        .target(name: "TakeoffLab", dependencies: ["TakeoffEngine", "TakeoffData", "TakeoffNN", "TakeoffClassic", "TakeoffMPI", "CRsvg",
                                                  .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "TakeoffServe", dependencies: ["TakeoffLab"]),
        .executableTarget(
            name: "takeoff",
            dependencies: [
                "TakeoffEngine",
                "TakeoffData",
                "TakeoffNN",
                "TakeoffClassic",
                "TakeoffLab",
                "TakeoffMPI",
                "TakeoffServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TakeoffEngineTests", dependencies: ["TakeoffEngine", "CVectorKernels"]),
        .testTarget(name: "TakeoffDataTests", dependencies: ["TakeoffData"]),
        .testTarget(name: "TakeoffNNTests", dependencies: ["TakeoffNN", "CVectorKernels"]),
        .testTarget(name: "TakeoffLabTests", dependencies: ["TakeoffLab", "TakeoffNN", "TakeoffData", "TakeoffEngine"]),
        .target(name: "SocketClient", path: "Tests/SocketClient"),
        .testTarget(name: "TakeoffServeTests", dependencies: ["TakeoffServe", "TakeoffLab", "SocketClient"]),
        .testTarget(name: "TakeoffCLITests", dependencies: ["TakeoffLab", "TakeoffData", "TakeoffEngine", "takeoff", "SocketClient"]),
        .testTarget(name: "TakeoffClassicTests", dependencies: ["TakeoffClassic", "TakeoffData", "TakeoffEngine", "CVectorKernels"]),
    ],
    swiftLanguageModes: [.v6]
)
