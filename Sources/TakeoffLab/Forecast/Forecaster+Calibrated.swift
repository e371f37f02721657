import Foundation

extension Forecaster {
    /// The forecaster fitted on the Learning Curve Database's accuracy curves (LCDB 0.1.0, `database-accuracy.csv`)
    /// of the data sets with an even OpenML id; the odd half judges it. Reproduce with
    /// `takeoff fit database-accuracy.csv --calibrate even`.
    public static let calibrated = Forecaster(models: [
    .single: Model(median: [0.00230547, 0.0301815],
            low: [-0.00230534, -0.0301813, -0.212377],
            high: [-0.00178254, 0.107715, 0.637951]),
    .short: Model(median: [0.176988, 0.0193537, 0.000579923, 0.558634, 0.0130819],
            low: [-0.000579419, -0.255674, -0.0130882, -0.300907, 0.140846, -0.0800367],
            high: [-0.000687751, 0.10959, 0.045784, 0.416714, -0.133042, 0.366199]),
    .full: Model(median: [0.341852, -0.0848175, 0.113212, 0.0260564, 0.277673, 0.0951204, 0.00135503, -0.147241, 0.957275, -0.0641049],
            low: [-0.00169145, 0.0622028, -0.0403792, -0.039215, -0.429019, -0.0590832, -0.163047, 0.0131235, -0.0360453, -0.00864845, -0.0706314, -0.0068657, -0.0215164],
            high: [0.00668157, -0.155867, -0.0321579, 0.081192, 0.478828, -0.358814, -0.0496893, -0.00393561, 0.106736, 0.129499, 0.14714, 0.06549, -0.0860084]),
    ])
}
