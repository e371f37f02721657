import ArgumentParser
import TakeoffEngine

@main
struct Takeoff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "takeoff",
        abstract: "Measure why deep learning takes off: learning curves, activations and speed on your data.",
        version: TakeoffVersion.string,
        subcommands: [Curve.self, Activations.self, Train.self, Evaluate.self, Bench.self, DataCommand.self, DeviceCommand.self]
    )
}
