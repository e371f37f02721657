// Open MPI for Swift: mpi.h, and functions for what Swift cannot import (MPI's handles are macros).
#include <mpi.h>

static inline MPI_Comm takeoff_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype takeoff_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype takeoff_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op takeoff_mpi_sum(void) { return MPI_SUM; }
static inline int takeoff_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int takeoff_mpi_any_tag(void) { return MPI_ANY_TAG; }
static inline MPI_Status *takeoff_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline void *takeoff_mpi_in_place(void) { return MPI_IN_PLACE; }
