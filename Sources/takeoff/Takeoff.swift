import ArgumentParser
import Foundation
import TakeoffData
import TakeoffEngine
import TakeoffLab
import TakeoffMPI

@main
struct Takeoff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "takeoff",
        abstract: "Measure why deep learning takes off: learning curves, activations and speed on your data.",
        version: TakeoffVersion.string,
        subcommands: [Curve.self, Fit.self, Scale.self, Activations.self, Serve.self, Train.self, Evaluate.self, Bench.self, DataCommand.self, DeviceCommand.self]
    )

    /// ArgumentParser's `main`, except that a ``ValidationError`` thrown while a command runs (a value
    /// checked after parsing) points at that command's help: ArgumentParser would print the root's
    /// usage line, `takeoff <subcommand>`, as if no command had been given.
    static func main() {
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        let commandType: Any.Type = type(of: command as Any)
        if Launch.isOneOfSeveralRanks && !sharedAcrossRanks.contains(where: { ObjectIdentifier($0) == ObjectIdentifier(commandType) }) {
            // Every rank would run it once (two servers on one port, the same table printed twice): one message, from rank 0.
            if Launch.isFirstRank {
                let shared = sharedAcrossRanks.map { $0._commandName }.joined(separator: ", ")
                let message = "Error: \(commandPath()) runs as one process; run it without mpirun (under mpirun, \(shared) share their work across ranks).\n"
                StandardStreams.error(message)
            }
            exit(withError: ExitCode.validationFailure)
        }
        do {
            try command.run()
            // Output that could not be written (a full disk, a closed pipe) is an error, not a silent success.
            if fflush(nil) != 0 {
                let message = "Error: the output could not be written: \(String(cString: strerror(errno)))"
                Communicator.abortJob(code: EXIT_FAILURE, message: message)
                StandardStreams.error(message + "\n")
                Foundation.exit(EXIT_FAILURE)
            }
        } catch {
            if let message = (error as? ValidationError)?.message ?? flagMessage(error) {
                StandardStreams.error("Error: \(message)\n  See '\(commandPath()) --help' for more information.\n")
                Communicator.abortJob(code: ExitCode.validationFailure.rawValue, message: "")
                exit(withError: ExitCode.validationFailure)
            }
            if !exitCode(for: error).isSuccess { Communicator.abortJob(code: exitCode(for: error).rawValue, message: fullMessage(for: error)) }
            exit(withError: error)
        }
    }

    /// Commands that share their work across the ranks of an MPI job; any other refuses to run in one of several ranks.
    static let sharedAcrossRanks: [ParsableCommand.Type] = [Curve.self, Scale.self, Activations.self, Train.self]

    /// The library names a bad setting by its name; on the command line that is the flag `--name`.
    static func flagMessage(_ error: Error) -> String? {
        switch error {
        case let LabError.invalidOption(option, detail): "--\(option): \(detail)"
        case let LearnerError.invalidValue(option, value, reason): "--\(option.rawValue) \(value): \(reason)"
        case let LearnerError.optionNotTaken(learner, option, takes):
            "--\(option.rawValue) does not apply to \(learner)" + (takes.isEmpty ? "" : " (it takes \(takes.map { "--" + $0.rawValue }.joined(separator: ", ")))")
        default: nil
        }
    }

    /// `takeoff` and the subcommand names that start the command line, e.g. `takeoff bench train`.
    static func commandPath() -> String {
        var type: ParsableCommand.Type = Takeoff.self
        var words = ["takeoff"]
        for argument in CommandLine.arguments.dropFirst() {
            guard let sub = type.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            words.append(argument)
            type = sub
        }
        return words.joined(separator: " ")
    }
}
