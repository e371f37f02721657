import Testing
import TakeoffClassic
import TakeoffData

@Suite struct ClassicRegistryTests {
    @Test func resolvesNamesAndOptions() throws {
        for name in ClassicRegistry.names { #expect(try ClassicRegistry.learner(named: name).name == name) }
        let svm = try ClassicRegistry.learner(named: "rbf-svm", options: .init(C: 3, gamma: 0.1, cacheMB: 64, kernel: "polynomial"))
        #expect(svm.configuration["C"] == "3.0" && svm.configuration["kernel"] == "polynomial" && svm.configuration["gamma"] == "0.1")
    }

    @Test func rejectsUnknownNamesAndBadValues() {
        #expect(throws: ClassicError.unknownLearner(name: "svm", known: ClassicRegistry.names)) {
            try ClassicRegistry.learner(named: "svm")
        }
        #expect(throws: ClassicError.self) { try ClassicRegistry.learner(named: "logreg", options: .init(C: -1)) }
        #expect(throws: ClassicError.self) { try ClassicRegistry.learner(named: "logreg", options: .init(gamma: 1)) }
        #expect(throws: ClassicError.self) { try ClassicRegistry.learner(named: "rbf-svm", options: .init(kernel: "sigmoid")) }
        #expect(throws: ClassicError.self) { try ClassicRegistry.learner(named: "linear-svm", options: .init(loss: "log")) }
        #expect(throws: ClassicError.self) { try ClassicRegistry.learner(named: "rbf-svm", options: .init(cacheMB: 0)) }
    }

    /// A cache budget whose size in bytes would overflow (it wrapped to a negative budget) is refused.
    @Test func rejectsCacheBudgetThatOverflows() throws {
        #expect(throws: ClassicError.invalidOption(option: "cache-mb", value: "9999999999999", reason: "must be at most 1073741824 (MiB, 1 PiB)")) {
            try ClassicRegistry.learner(named: "rbf-svm", options: .init(cacheMB: 9_999_999_999_999))
        }
        #expect(try ClassicRegistry.learner(named: "rbf-svm", options: .init(cacheMB: ClassicRegistry.maxCacheMB)).name == "rbf-svm")
    }
}
