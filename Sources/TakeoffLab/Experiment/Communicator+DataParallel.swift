import TakeoffEngine
import TakeoffMPI

/// An MPI job's ranks are a data-parallel group: the trainer sums gradients with one allreduce per step.
extension Communicator: DataParallelGroup {}
