import Testing
import TakeoffClassic
import TakeoffData

@Suite struct ClassicRegistryTests {
    func declaration(_ name: String) throws -> LearnerDeclaration {
        try #require(ClassicRegistry.declarations.first { $0.name == name })
    }

    @Test func declarationsMakeTheirLearnersWithTheirOptions() throws {
        for d in ClassicRegistry.declarations { #expect(try d.make().name == d.name && d.family == .traditional) }
        var o = LearnerOptions()
        (o.C, o.gamma, o.cacheMB, o.kernel) = (3, 0.1, 64, "polynomial")
        let svm = try declaration("rbf-svm").make(o)
        #expect(svm.configuration["C"] == "3.0" && svm.configuration["kernel"] == "polynomial" && svm.configuration["gamma"] == "0.1")
    }

    @Test func badValuesAndOptionsALearnerDoesNotTakeAreRefused() throws {
        func options(_ set: (inout LearnerOptions) -> Void) -> LearnerOptions { var o = LearnerOptions(); set(&o); return o }
        #expect(throws: LearnerError.invalidValue(option: .C, value: "-1.0", reason: "must be a positive number")) {
            try declaration("logreg").make(options { $0.C = -1 })
        }
        #expect(throws: LearnerError.optionNotTaken(learner: "logreg", option: .gamma, takes: [.C, .tolerance, .maxIterations])) {
            try declaration("logreg").make(options { $0.gamma = 1 })
        }
        #expect(throws: LearnerError.self) { try declaration("rbf-svm").make(options { $0.kernel = "sigmoid" }) }
        #expect(throws: LearnerError.self) { try declaration("linear-svm").make(options { $0.loss = "log" }) }
        #expect(throws: LearnerError.self) { try declaration("rbf-svm").make(options { $0.cacheMB = 0 }) }
    }

    /// A cache budget whose size in bytes would overflow (it wrapped to a negative budget) is refused.
    @Test func rejectsCacheBudgetThatOverflows() throws {
        var o = LearnerOptions()
        o.cacheMB = 9_999_999_999_999
        #expect(throws: LearnerError.invalidValue(option: .cacheMB, value: "9999999999999", reason: "must be at most 1073741824 (MiB, 1 PiB)")) {
            try declaration("rbf-svm").make(o)
        }
        o.cacheMB = LearnerOptions.maxCacheMB
        #expect(try declaration("rbf-svm").make(o).name == "rbf-svm")
    }
}

/// The option table names the values the classic learners map to their own types.
@Suite struct ClassicOptionNamesTests {
    @Test func kernelAndLossNamesMatchTheLearners() {
        #expect(LearnerOption.kernel.declaration.choices == KernelSVM.KernelKind.allCases.map(\.rawValue))
        #expect(Set(LearnerOption.loss.declaration.choices ?? []) == Set(DualCoordinateDescent.Loss.allCases.map(\.rawValue)))
    }

    @Test func degreeAppliesToThePolynomialKernelOnly() throws {
        var o = LearnerOptions()
        o.degree = 2
        #expect(throws: LearnerError.self) { try KernelSVM.declaration.make(o) }
        o.kernel = "polynomial"
        let svm = try KernelSVM.declaration.make(o)
        #expect(svm.configuration["degree"] == "2" && svm.configuration["kernel"] == "polynomial")
        o = LearnerOptions()
        o.loss = "hinge"
        #expect(try LinearSVM.declaration.make(o).configuration["loss"] == "hinge")
    }
}
