import CMPI
import Foundation

/// The processes of an MPI job (Open MPI's `MPI_COMM_WORLD`): rank, size, barrier, broadcast,
/// allreduce of float buffers, and small encoded messages between ranks.
///
/// ``world`` is nil in a process not started by `mpirun` or `srun`: Takeoff then runs as one plain
/// process and never calls MPI. Only the thread that called ``world`` first may use it (MPI is
/// initialised with `MPI_THREAD_FUNNELED`: training threads never call MPI).
public final class Communicator: @unchecked Sendable {
    public let rank: Int
    public let size: Int

    /// The job's communicator, or nil when this process was not launched by an MPI launcher.
    public static let world: Communicator? = launchedByMPI ? Communicator() : nil

    /// Whether the environment says an MPI launcher (Open MPI's `mpirun`, Slurm's `srun` with PMI/PMIx) started this process.
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains { env[$0] != nil }
    }

    /// Ranks in the whole job, from the launcher's environment (1 outside a job), without starting MPI.
    public static var launchedSize: Int {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"].lazy.compactMap { env[$0].flatMap(Int.init) }.first ?? 1
    }

    /// This process's rank in the job, from the launcher's environment (0 outside a job), without starting MPI.
    public static var launchedRank: Int {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"].lazy.compactMap { env[$0].flatMap(Int.init) }.first ?? 0
    }

    /// Ranks on this machine (from the launcher), so each can take its share of the cores.
    public static var localSize: Int {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"].lazy.compactMap { env[$0].flatMap(Int.init) }.first ?? 1
    }

    /// This rank's index among the ranks on its machine (the GPU it should use).
    public static var localRank: Int {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"].lazy.compactMap { env[$0].flatMap(Int.init) }.first ?? 0
    }

    private init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(takeoff_mpi_comm_world(), &r)
        MPI_Comm_size(takeoff_mpi_comm_world(), &s)
        (rank, size) = (Int(r), Int(s))
        atexit { Communicator.finalize() }
    }

    /// Whether this is rank 0, the coordinator.
    public var isRoot: Bool { rank == 0 }

    nonisolated(unsafe) private static var finalized = false

    /// Ends MPI for this process (once; also at exit).
    public static func finalize() {
        guard !finalized else { return }
        finalized = true
        var initialized: Int32 = 0, done: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&done)
        if initialized != 0 && done == 0 { MPI_Finalize() }
    }

    /// Where MPI is running in a job of several ranks, writes `message` to standard error and ends every rank with
    /// `code`; otherwise returns. A rank that stops on an error must not leave the others waiting in a collective
    /// (a plain exit finalizes, and they would wait for ever).
    public static func abortJob(code: Int32, message: String) {
        var initialized: Int32 = 0, done: Int32 = 0, size: Int32 = 1
        MPI_Initialized(&initialized)
        MPI_Finalized(&done)
        guard initialized != 0 && done == 0 else { return }
        MPI_Comm_size(takeoff_mpi_comm_world(), &size)
        guard size > 1 else { return }
        if !message.isEmpty { _ = (message + "\n").withCString { write(2, $0, strlen($0)) } }
        MPI_Abort(takeoff_mpi_comm_world(), code)
    }

    /// Copies `root`'s `buffer` into every rank's.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int = 0) {
        MPI_Bcast(buffer.baseAddress, Int32(buffer.count), takeoff_mpi_float(), Int32(root), takeoff_mpi_comm_world())
    }

    /// Replaces `buffer` on every rank by its sum over the ranks.
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        MPI_Allreduce(takeoff_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), takeoff_mpi_float(), takeoff_mpi_sum(),
                      takeoff_mpi_comm_world())
    }

    /// Sum of `value` over the ranks (in Double, for counts and losses).
    public func allreduceSum(_ value: Double) -> Double {
        var v = [Float(value)]
        v.withUnsafeMutableBufferPointer { allreduceSum($0) }
        return Double(v[0])
    }

    /// Sends `bytes` to `rank` with `tag`.
    public func send(bytes: [UInt8], to rank: Int, tag: Int = 0) {
        bytes.withUnsafeBufferPointer { b in
            _ = MPI_Send(b.baseAddress, Int32(b.count), takeoff_mpi_byte(), Int32(rank), Int32(tag), takeoff_mpi_comm_world())
        }
    }

    /// A message that has arrived.
    public struct Message: Sendable {
        public var source: Int
        public var tag: Int
        public var bytes: [UInt8]
    }

    /// The next message from `source` (any rank when nil), or nil if none has arrived.
    public func poll(from source: Int? = nil) -> Message? {
        var flag: Int32 = 0
        var status = MPI_Status()
        MPI_Iprobe(Int32(source ?? Int(takeoff_mpi_any_source())), takeoff_mpi_any_tag(), takeoff_mpi_comm_world(), &flag, &status)
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        MPI_Get_count(&status, takeoff_mpi_byte(), &count)
        var bytes = [UInt8](repeating: 0, count: Int(count))
        bytes.withUnsafeMutableBufferPointer { b in
            _ = MPI_Recv(b.baseAddress, count, takeoff_mpi_byte(), status.MPI_SOURCE, status.MPI_TAG, takeoff_mpi_comm_world(),
                         takeoff_mpi_status_ignore())
        }
        return Message(source: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG), bytes: bytes)
    }

    /// Waits for the next message from `source` (any rank when nil), sleeping between polls so an idle
    /// rank leaves its core to the ranks that train (Open MPI's blocking receive spins). `idle` runs
    /// between polls; returning false from it stops the wait with nil.
    public func receive(from source: Int? = nil, idle: () -> Bool = { true }) -> Message? {
        var pause: UInt32 = 50
        while true {
            if let m = poll(from: source) { return m }
            guard idle() else { return nil }
            usleep(pause)
            pause = min(pause * 2, 2_000)
        }
    }
}

extension Communicator {
    /// Sends `value` as JSON.
    public func send<T: Encodable>(_ value: T, to rank: Int, tag: Int = 0) throws {
        send(bytes: Array(try JSONEncoder().encode(value)), to: rank, tag: tag)
    }

    /// Decodes a message sent with ``send(_:to:tag:)``.
    public func decode<T: Decodable>(_: T.Type, from message: Message) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(message.bytes))
    }
}
