import TakeoffData

/// The classic learners: `logreg`, `linear-svm`, `rbf-svm`, each declared beside its learner.
public enum ClassicRegistry {
    /// Their declarations, in the order tables list them.
    public static let declarations = [LogisticRegression.declaration, LinearSVM.declaration, KernelSVM.declaration,
                                      SparseLogisticRegression.declaration]
}
