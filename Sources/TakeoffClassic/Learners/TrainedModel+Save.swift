import Foundation
import TakeoffData

extension LogisticRegressionModel {
    public func save(to url: URL) throws { throw ClassicError.badModelFile(path: url.path, reason: "saving is not available yet (needs Safetensors)") }
}
extension LinearSVMModel {
    public func save(to url: URL) throws { throw ClassicError.badModelFile(path: url.path, reason: "saving is not available yet (needs Safetensors)") }
}
extension KernelSVMModel {
    public func save(to url: URL) throws { throw ClassicError.badModelFile(path: url.path, reason: "saving is not available yet (needs Safetensors)") }
}
