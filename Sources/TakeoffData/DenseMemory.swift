import TakeoffEngine

/// The memory a file read into a dense matrix takes on its way to a learner, checked against
/// ``MemoryLimit`` before the matrix is allocated. The matrix is held three times at the peak: as read,
/// split into a pool and a test set, and standardised (each a new tensor); while a text format is parsed,
/// its text and the values parsed so far are held beside the matrix. Measured on a 100 MB numeric CSV
/// (1,000,000 × 50, `data info`): estimated 600 MB, peak RSS 570 MB; on a LIBSVM file of 100 rows with one
/// feature index of 500,000 (a 200 MB matrix): estimated 600 MB, `data info` 430 MB, a logreg curve 1.08 GB.
public enum DenseMemory {
    /// Dense copies of the matrix alive at the peak.
    public static let copies = 3

    /// What the estimate counts, for messages.
    public static let accounting = "the matrix as read, split and standardised, with the text and values while parsing"

    /// Bytes at the peak for a `rows` × `columns` float matrix, with `parsing` bytes (the text and the values
    /// parsed so far) alive while it is filled.
    public static func estimate(rows: Int, columns: Int, parsing: Int = 0) -> Double {
        let matrix = Double(rows) * Double(columns) * 4
        return max(matrix * Double(copies), matrix + Double(parsing))
    }

    /// Throws ``DataError/tooLarge(file:rows:columns:estimateBytes:limitBytes:)`` when the estimate is over `limit`.
    public static func check(file: String, rows: Int, columns: Int, parsing: Int = 0, limit: Int) throws {
        let bytes = estimate(rows: rows, columns: columns, parsing: parsing)
        guard bytes <= Double(limit) else {
            throw DataError.tooLarge(file: file, rows: rows, columns: columns, estimateBytes: Int(min(bytes, Double(Int.max))), limitBytes: limit)
        }
    }
}
