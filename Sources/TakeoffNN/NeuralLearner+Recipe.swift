import TakeoffData

extension NeuralLearner {
    /// How a network is trained on `m` examples (recipe 6): Adam from 1e-3 with cosine decay, in batches of
    /// min(128, max(16, m/8)), for ``referenceEpochs``·√(``referenceExamples``/m) epochs (at most ``maxEpochs``): the
    /// examples a run trains grow as √m, so more data buys more compute but each example is seen fewer times
    /// (20 epochs at 54,000, 50 at 8,640, 100 up to 2,160). A network whose run would exceed
    /// ``computeBudget``·√(m/``referenceExamples``) training FLOPs trains fewer epochs, in smaller batches (no fewer
    /// than ``smallestCappedBatch``) so that it still takes the steps of ``cappedReferenceEpochs``·√(…) epochs
    /// in batches of the uncapped size: at m = 60,000 (54,000 fitted) the cnn trains 7 epochs in batches of 90,
    /// the MLPs 20 epochs in batches of 128.
    ///
    /// Below ``smallDataBelow`` examples a network holds nothing out and chooses no epoch: it trains the schedule
    /// above on all m and keeps the last epoch's weights, and images go in on one scale shared by every pixel
    /// (``InputScaling/shared``) instead of each pixel's own. From ``smallDataBelow`` up, 10% of m is held out for
    /// early stopping with patience of a quarter of the epochs (at least ``minimumPatience``), best weights
    /// restored, and every feature is standardised on its own (``InputScaling/perFeature``).
    ///
    /// Why this schedule: holding out 10% at every m with at least 20 epochs cost a 60,000-image cnn cell several
    /// minutes on 2 cores and chose its epoch on 10–30 validation examples at m = 100–300; a fixed step count at
    /// every m made every cell from 3,900 to 60,000 cost the same; 10 reference epochs cost mlp-large half a point
    /// at m = 60,000. The figures are in BENCHMARKS.md ("Networks: accuracy by m", "Networks at small m").
    public enum Recipe {
        /// Stored with every result (the learner's configuration), so results of different recipes never mix.
        public static let version = "6"
        /// The size at which a run trains ``referenceEpochs`` epochs (60,000 less its 10% validation split).
        static let referenceExamples = 54_000
        static let referenceEpochs = 20.0
        /// The epochs at the reference size (scaled like ``referenceEpochs``) whose steps a capped run keeps.
        static let cappedReferenceEpochs = 10.0
        /// Training FLOPs (3 × forward FLOPs × examples, summed over epochs) one run at ``referenceExamples`` may take,
        /// scaled by √(m/``referenceExamples``) elsewhere: the cap that binds for the costly networks (the cnn).
        static let computeBudget = 2.5e13
        static let smallestCappedBatch = 32
        /// The most epochs a run takes (small m).
        static let maxEpochs = 100
        /// Patience never below this many epochs.
        static let minimumPatience = 3
        /// The share of m held out for early stopping.
        static let validationFraction = 0.1
        /// The size below which a network trains the whole schedule on all m with images on a shared scale. Below it,
        /// a validation split (or a cross-validation fold) holds too few examples to choose an epoch by, and a
        /// pixel's standard deviation over the m images is too rough to divide by: at m = 100–620 on Fashion-MNIST
        /// (3 seeds) choosing the epoch cost the MLPs up to 1.7 points and per-pixel standardisation up to 3.5,
        /// and at m = 1,600 both together cost every network 1.0–1.8 (BENCHMARKS.md, "Networks at small m").
        public static let smallDataBelow = 2_000

        /// How the epoch count is chosen for `m` examples.
        public enum Selection: Equatable, Sendable {
            /// The recipe's epochs on all m examples, the last epoch's weights kept.
            case none
            /// Early stopping on a validation split of this fraction.
            case holdOut(fraction: Double)
        }

        public static func selection(examples m: Int) -> Selection {
            m < smallDataBelow ? .none : .holdOut(fraction: validationFraction)
        }

        /// How a network's inputs are scaled, fitted on its `m` training examples `data`.
        public enum InputScaling: Equatable, Sendable {
            /// As they are: TF-IDF rows of unit length (standardised per feature, a word seen in a few messages
            /// is blown up by its tiny standard deviation).
            case none
            /// Each feature to zero mean and unit variance (``Standardizer/fit(_:)``).
            case perFeature
            /// One mean and one standard deviation for every feature (``Standardizer/fitShared(_:)``): pixels
            /// share their units, and a border pixel that is dark in almost all of a few hundred images is not
            /// magnified by its near-zero spread.
            case shared
        }

        public static func inputScaling(examples m: Int, of data: Dataset) -> InputScaling {
            if data.unitRows { return .none }
            return data.imageShape != nil && m < smallDataBelow ? .shared : .perFeature
        }

        /// The recipe's epochs and batch size for `m` examples of a network of `flopsPerExample` forward FLOPs
        /// (nil: no compute cap), the batch size replaced where given.
        static func epochsAndBatch(examples m: Int, batchSize: Int?, flopsPerExample: Int?) -> (epochs: Int, batch: Int) {
            let batch = batchSize ?? Swift.min(128, Swift.max(16, m / 8))
            let growth = (Double(Swift.max(m, 1)) / Double(referenceExamples)).squareRoot()
            func epochs(_ reference: Double) -> Double { Swift.min(Double(maxEpochs), reference / growth) }
            let byData = epochs(referenceEpochs)
            let epochFLOPs = 3 * Double(flopsPerExample ?? 0) * Double(m)
            guard epochFLOPs * byData > computeBudget * growth else { return (Swift.max(1, Int(byData.rounded(.up))), batch) }
            let capped = Swift.max(1, Int((computeBudget * growth / epochFLOPs).rounded(.up)))
            let stepsKept = epochs(cappedReferenceEpochs) * Double(steps(m, batch))
            let keepsSteps = Int((Double(m) * Double(capped) / stepsKept).rounded(.up))
            return (capped, batchSize ?? Swift.min(batch, Swift.max(smallestCappedBatch, keepsSteps)))
        }

        static func steps(_ m: Int, _ batch: Int) -> Int { Swift.max(1, m / batch + (m % batch == 0 ? 0 : 1)) }

        /// The options one training run on `m` examples takes for a network of `flopsPerExample` forward FLOPs
        /// (nil: the epochs without the compute cap), with the epochs and batch size replaced where given; the
        /// cosine decay spans the resulting steps and patience is a quarter of the epochs.
        public static func options(examples m: Int, epochs: Int? = nil, batchSize: Int? = nil, flopsPerExample: Int? = nil) -> TrainingOptions {
            var o = TrainingOptions()
            let recipe = epochsAndBatch(examples: m, batchSize: batchSize, flopsPerExample: flopsPerExample)
            o.batchSize = recipe.batch
            o.epochs = epochs ?? recipe.epochs
            o.patience = Swift.max(minimumPatience, o.epochs / 4)
            o.learningRate = 1e-3
            o.optimizer = .adam()
            let (total, overflow) = o.epochs.multipliedReportingOverflow(by: steps(m, o.batchSize))
            o.schedule = .cosine(total: overflow ? Int.max : total)
            return o
        }

        /// Training FLOPs the recipe plans for `m` examples on a network of `flopsPerExample` forward FLOPs:
        /// 3 × forward FLOPs × examples fitted × epochs; early stopping only shortens it.
        public static func plannedFLOPs(examples m: Int, flopsPerExample flops: Int, epochs: Int? = nil, batchSize: Int? = nil) -> Double {
            let fitted = switch selection(examples: m) {
            case .none: m
            case let .holdOut(fraction): m - Int((Double(m) * fraction).rounded())
            }
            return 3 * Double(flops) * Double(fitted) * Double(options(examples: fitted, epochs: epochs, batchSize: batchSize, flopsPerExample: flops).epochs)
        }
    }
}
