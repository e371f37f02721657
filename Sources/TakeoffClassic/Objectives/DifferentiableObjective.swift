/// A smooth function of a parameter vector that a first-order solver (``LBFGS``) minimises.
public protocol DifferentiableObjective {
    /// The number of parameters.
    var dimension: Int { get }
    /// The value at `x`, writing the gradient into `gradient` (length ``dimension``).
    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double
}
