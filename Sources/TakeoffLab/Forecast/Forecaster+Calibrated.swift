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
            low: [-0.00170697, 0.0615444, -0.0385494, -0.0425091, -0.421083, -0.0649049, -0.164506, 0.0131755, -0.0310242, -0.00912591, -0.0699525, -0.00663712, -0.0210596],
            high: [0.00670388, -0.156797, -0.0288165, 0.0779527, 0.474091, -0.356405, -0.0488262, -0.00402782, 0.108331, 0.128966, 0.146157, 0.0650592, -0.0850803]),
    ])
}
