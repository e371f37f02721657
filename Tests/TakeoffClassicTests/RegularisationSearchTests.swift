import Testing
@testable import TakeoffClassic

@Suite struct RegularisationSearchTests {
    @Test func marginIsOneStandardErrorCappedAtHalfAPoint() {
        // 20 validation examples: the standard error (0.10) would let any C within 10 points of the best win.
        #expect(RegularisationSearch.margin(best: 0.7, validationCount: 20) == 0.005)
        // 90,000 examples at 90%: one standard error, 0.001, is below the cap.
        #expect(abs(RegularisationSearch.margin(best: 0.9, validationCount: 90_000) - 0.001) < 1e-12)
    }

    @Test func searchedConfigurationsNameTheRule() {
        #expect(LogisticRegression().configuration["C"]?.hasSuffix(";within:min(1se,0.005)") == true)
        #expect(LogisticRegression(C: 0.5).configuration["C"] == "0.5")
    }
}
