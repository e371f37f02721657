import Foundation

extension Forecaster {
    /// The forecaster fitted on the Learning Curve Database's accuracy curves (LCDB 0.1.0, `database-accuracy.csv`)
    /// of the data sets with an even OpenML id; the odd half judges it. Reproduce with
    /// `takeoff fit database-accuracy.csv --calibrate even`.
    public static let calibrated = Forecaster(models: [
    .single: Model(median: [0.00230547, 0.0301815],
            low: [-0.00230534, -0.0301813, -0.212377],
            high: [-0.00178254, 0.107715, 0.637951]),
    .short: Model(median: [0.179239, 0.0150766, 0.000578724, 0.558179, 0.0131145],
            low: [-0.000578225, -0.258734, -0.0131208, -0.30092, 0.141579, -0.0752484],
            high: [-0.000703426, 0.113424, 0.0459296, 0.416411, -0.13681, 0.363462]),
    .full: Model(median: [0.342233, -0.0858125, 0.115103, 0.0262162, 0.277256, 0.0916158, 0.0013715, -0.148308, 0.956345, -0.0640848],
            low: [-0.000789914, 0.0853239, -0.117847, -0.0438577, -0.343835, -0.308338, -0.0108792, -0.16346, 0.0164027, -0.0459151],
            high: [-0.00120076, -0.204774, 0.224543, -0.095126, 0.177878, 0.0280167, 0.0613377, 0.126765, -0.00519465, 0.225301]),
    ])
}
