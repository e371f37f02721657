import Foundation
import Testing
import TakeoffEngine

@Suite struct SafetensorsTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-\(UUID().uuidString)-\(name)")
    }

    /// A file with the given header text and data bytes.
    func raw(_ header: String, data: [UInt8] = []) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: data)
        return d
    }

    @Test func roundTripIsBitExact() throws {
        let special: [Float] = [0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234),
                                .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.5, -3.25e-20]
        let tensors: [String: Tensor] = [
            "layer.0/weight": random([3, 4, 2], seed: 1),
            "special": Tensor(special, shape: [2, 5]),
            "scalar": Tensor(7),
            "empty": Tensor.zeros([0, 3]),
        ]
        let metadata = ["format": "pt", "note": "quotes \" and \\ and / and ünïcode ✓"]
        let url = temporaryURL("round.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(tensors, metadata: metadata, to: url)
        let (back, meta) = try Safetensors.read(from: url)
        #expect(meta == metadata)
        #expect(Set(back.keys) == Set(tensors.keys))
        for (name, t) in tensors {
            #expect(back[name]?.shape == t.shape, "\(name)")
            #expect(back[name]?.scalars.map(\.bitPattern) == t.scalars.map(\.bitPattern), "\(name)")
        }
    }

    @Test func filesAreByteDeterministicAndAligned() throws {
        let a = random([2, 2], seed: 2), b = random([3], seed: 3)
        var first: [String: Tensor] = [:], second: [String: Tensor] = [:]
        first["b"] = b; first["a"] = a
        second["a"] = a; second["b"] = b
        let x = try Safetensors.encode(first, metadata: ["k": "v", "a": "z"])
        let y = try Safetensors.encode(second, metadata: ["a": "z", "k": "v"])
        #expect(x == y)
        let length = x.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + length) % 8 == 0)
        #expect(x.count == 8 + length + 4 * 7)
        let header = String(decoding: x[8..<(8 + length)], as: UTF8.self)
        #expect(header.trimmingCharacters(in: .whitespaces) ==
                #"{"__metadata__":{"a":"z","k":"v"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[3],"data_offsets":[16,28]}}"#)
        // Data follows in name order, little-endian.
        let firstFloat = x[(8 + length)..<(8 + length + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        #expect(firstFloat == a.scalars[0].bitPattern)
    }

    @Test func readsAHandWrittenFile() throws {
        let bytes: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]   // 1.0, -2.0
        let (t, meta) = try Safetensors.decode(raw(#"{"x":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}   "#, data: bytes), file: "f")
        #expect(meta.isEmpty)
        #expect(t["x"]?.shape == [2, 1])
        #expect(t["x"]?.scalars == [1, -2])
    }

    /// Written by Python's `safetensors.numpy.save_file` (safetensors 0.8.0) for
    /// {"a": arange(4).reshape(2, 2), "b": [[1.5, -2, 3.25]], "s": 7.0} with metadata {"who": "python"}.
    static let pythonFile = "yAAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJ3aG8iOiJweXRob24ifSwiYSI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwyXSwiZGF0YV9vZmZzZXRzIjpbMCwxNl19LCJiIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsxLDNdLCJkYXRhX29mZnNldHMiOlsxNiwyOF19LCJzIjp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOltdLCJkYXRhX29mZnNldHMiOlsyOCwzMl19fQAAAAAAAIA/AAAAQAAAQEAAAMA/AAAAwAAAUEAAAOBA"

    @Test func matchesThePythonReferenceByteForByte() throws {
        let bytes = Data(base64Encoded: Self.pythonFile)!
        let (t, meta) = try Safetensors.decode(bytes, file: "python.safetensors")
        #expect(meta == ["who": "python"])
        #expect(t["a"]?.shape == [2, 2] && t["a"]?.scalars == [0, 1, 2, 3])
        #expect(t["b"]?.shape == [1, 3] && t["b"]?.scalars == [1.5, -2, 3.25])
        #expect(t["s"]?.shape == [] && t["s"]?.scalars == [7])
        #expect(try Safetensors.encode(t, metadata: meta) == bytes)
    }

    static let entry = #""t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    static let eight = [UInt8](repeating: 0, count: 8)

    @Test func refusesBadFiles() {
        let f = "bad.safetensors"
        #expect(throws: SafetensorsError.truncated(file: f, size: 5)) {
            try Safetensors.decode(Data([1, 2, 3, 4, 5]), file: f)
        }
        var long = raw("{}")
        long[0] = 200
        #expect(throws: SafetensorsError.headerLength(file: f, length: 200, fileSize: 10)) {
            try Safetensors.decode(long, file: f)
        }
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(raw("{\"t\": [1,"), file: f) }
        do {
            _ = try Safetensors.decode(raw("{not json"), file: f)
            Issue.record("corrupted header was accepted")
        } catch let e as SafetensorsError {
            guard case .invalidHeader(let file, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(file == f)
            #expect(e.description.contains(f))
        } catch { Issue.record("untyped error \(error)") }
        #expect(throws: SafetensorsError.invalidHeader(file: f, reason: "not a JSON object")) {
            try Safetensors.decode(raw("[1, 2]"), file: f)
        }
        #expect(throws: SafetensorsError.unsupportedDtype(file: f, tensor: "t", dtype: "F16")) {
            try Safetensors.decode(raw(#"{"t":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.sizeMismatch(file: f, tensor: "t", shape: [3], bytes: 8)) {
            try Safetensors.decode(raw(#"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.offsetsOutOfRange(file: f, tensor: "t", begin: 4, end: 12, dataSize: 8)) {
            try Safetensors.decode(raw(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.overlap(file: f, tensor: "u", other: "t")) {
            try Safetensors.decode(raw("{\(Self.entry),\"u\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.unusedBytes(file: f, offset: 8, count: 3)) {
            try Safetensors.decode(raw("{\(Self.entry)}", data: Self.eight + [1, 2, 3]), file: f)
        }
        #expect(throws: SafetensorsError.unusedBytes(file: f, offset: 0, count: 4)) {
            try Safetensors.decode(raw(#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.invalidField(file: f, tensor: "t", field: "shape",
                                                      reason: "missing or not a list of non-negative integers")) {
            try Safetensors.decode(raw(#"{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.invalidField(file: f, tensor: "t", field: "data_offsets",
                                                      reason: "missing or not a pair [begin, end] with 0 ≤ begin ≤ end")) {
            try Safetensors.decode(raw(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: Self.eight), file: f)
        }
        #expect(throws: SafetensorsError.invalidField(file: f, tensor: "__metadata__", field: "k", reason: "value is not a string")) {
            try Safetensors.decode(raw(#"{"__metadata__":{"k":3}}"#), file: f)
        }
        #expect(throws: SafetensorsError.sizeMismatch(file: f, tensor: "t", shape: [Int.max, 4], bytes: 8)) {
            try Safetensors.decode(raw("{\"t\":{\"dtype\":\"F32\",\"shape\":[\(Int.max),4],\"data_offsets\":[0,8]}}", data: Self.eight), file: f)
        }
    }

    @Test func truncatedFileOnDiskIsRefusedWithItsPath() throws {
        let url = temporaryURL("cut.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(["w": random([4, 4], seed: 4)], to: url)
        let full = try Data(contentsOf: url)
        try full.prefix(full.count - 5).write(to: url)
        #expect(throws: SafetensorsError.offsetsOutOfRange(file: url.path, tensor: "w", begin: 0, end: 64, dataSize: 59)) {
            try Safetensors.read(from: url)
        }
        #expect(throws: SafetensorsError.self) { try Safetensors.read(from: url.appendingPathExtension("missing")) }
    }

    @Test func reservedNameIsRefused() {
        #expect(throws: SafetensorsError.self) { try Safetensors.encode(["__metadata__": Tensor(1)]) }
    }

    @Test func fileSystemProblemsAreSaidInWords() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("takeoff-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let expectReason = { (reason: String, body: () throws -> Void) in
            do { try body(); Issue.record("no error") } catch let error as SafetensorsError {
                #expect("\(error)".contains(reason), "\(error)")
            } catch { Issue.record("\(error)") }
        }
        expectReason("is a directory") { _ = try Safetensors.read(from: dir) }
        expectReason("no such file") { _ = try Safetensors.read(from: dir.appendingPathComponent("missing.safetensors")) }
        expectReason("does not exist") {
            try Safetensors.write(["w": Tensor.zeros([1])], to: dir.appendingPathComponent("no/such/folder/m.safetensors"))
        }
        let text = dir.appendingPathComponent("notes.safetensors")
        try Data("just some text, not tensors".utf8).write(to: text)
        expectReason("not a safetensors file") { _ = try Safetensors.read(from: text) }
        // Special files: a device once read as "You don't have permission" (as root), a pipe would block.
        expectReason("not a regular file") { _ = try Safetensors.read(from: URL(fileURLWithPath: "/dev/null")) }
        let pipe = dir.appendingPathComponent("model.safetensors").path
        #expect(mkfifo(pipe, 0o644) == 0)
        expectReason("not a regular file") { _ = try Safetensors.read(from: URL(fileURLWithPath: pipe)) }
        // A folder that takes no new files (as root, access(2) says /proc is writable): the system's reason, not Foundation's.
        if FileManager.default.fileExists(atPath: "/proc/self") {
            expectReason("cannot create a file there") { try Safetensors.write(["w": Tensor.zeros([1])], to: URL(fileURLWithPath: "/proc/m.safetensors")) }
        }
    }
}
