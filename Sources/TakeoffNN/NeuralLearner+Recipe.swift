extension NeuralLearner {
    /// How a network is trained on `m` examples (recipe 5): Adam from 1e-3 with cosine decay, in batches of
    /// min(128, max(16, m/8)), for ``referenceEpochs``·√(``referenceExamples``/m) epochs (at most ``maxEpochs``): the
    /// examples a run trains grow as √m, so more data buys more compute but each example is seen fewer times
    /// (20 epochs at 54,000, 50 at 8,640, 100 up to 2,160). A network whose run would exceed
    /// ``computeBudget``·√(m/``referenceExamples``) training FLOPs trains fewer epochs, in smaller batches (no fewer
    /// than ``smallestCappedBatch``) so that it still takes the steps of ``cappedReferenceEpochs``·√(…) epochs
    /// in batches of the uncapped size: at m = 60,000 (54,000 fitted) the cnn trains 7 epochs in batches of 90,
    /// the MLPs 20 epochs in batches of 128.
    ///
    /// The epoch count is chosen inside the m examples, by the validation signal, where it can be trusted:
    /// - where a 10% validation split would hold at least ``crossValidationBelow`` examples, on that split:
    ///   early stopping with patience of a quarter of the epochs (at least ``minimumPatience``), best weights restored;
    /// - below, where such a split is noise (10–50 examples), by stratified ``folds``-fold cross-validation:
    ///   every fold trains the whole schedule and is scored after each epoch, the epoch with the best accuracy
    ///   pooled over all m examples is chosen, and the network is refitted on all m with the same schedule,
    ///   stopped at that epoch (see ``bestEpoch(_:)``).
    ///
    /// Recipe 2 held out 10% at every m and trained at least 20 epochs: 473 s for a 60,000-image cnn cell on
    /// 2 cores, and at m = 100–300 it chose its epoch on 10–30 validation examples. Recipe 3 aimed at 4,000 steps
    /// at every m, so a cell cost about the same from m = 3,900 to 60,000 (the cnn about 100 s each on 2 cores).
    /// Recipe 4 trained 10 reference epochs: the cnn's runs were as today's, the MLPs' half as long, which cost
    /// mlp-large 0.5 points at m = 60,000 against recipe 2; recipe 5 also gives mlp-medium the dropout of the larger
    /// networks (``NeuralPreset/defaultDropout``).
    public enum Recipe {
        /// Stored with every result (the learner's configuration), so results of different recipes never mix.
        public static let version = "5"
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
        /// The share of m held out for early stopping, and the size of it below which cross-validation chooses instead.
        static let validationFraction = 0.1
        static let crossValidationBelow = 50
        static let folds = 3

        /// How the epoch count is chosen for `m` examples of `classes` classes.
        public enum Selection: Equatable, Sendable {
            /// Too few examples to hold any out: the recipe's epochs on all of them.
            case none
            /// Early stopping on a validation split of this fraction.
            case holdOut(fraction: Double)
            /// The epoch with the best pooled accuracy over this many stratified folds, then a refit on all m.
            case crossValidation(folds: Int)
        }

        public static func selection(examples m: Int, classes: Int) -> Selection {
            guard m >= 4 * classes else { return .none }
            return Double(m) * validationFraction < Double(crossValidationBelow) ? .crossValidation(folds: folds) : .holdOut(fraction: validationFraction)
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
            let keepsSteps = Int((Double(m * capped) / stepsKept).rounded(.up))
            return (capped, batchSize ?? Swift.min(batch, Swift.max(smallestCappedBatch, keepsSteps)))
        }

        static func steps(_ m: Int, _ batch: Int) -> Int { Swift.max(1, (m + batch - 1) / batch) }

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
            o.schedule = .cosine(total: o.epochs * steps(m, o.batchSize))
            return o
        }

        /// Training FLOPs the recipe plans for `m` examples of `classes` classes on a network of `flopsPerExample`
        /// forward FLOPs: 3 × forward FLOPs × examples × epochs of every run (under cross-validation the folds' and
        /// the refit's); early stopping only shortens it.
        public static func plannedFLOPs(examples m: Int, classes: Int, flopsPerExample flops: Int, epochs: Int? = nil, batchSize: Int? = nil) -> Double {
            func run(_ n: Int) -> Double {
                3 * Double(flops) * Double(n) * Double(options(examples: n, epochs: epochs, batchSize: batchSize, flopsPerExample: flops).epochs)
            }
            switch selection(examples: m, classes: classes) {
            case .none: return run(m)
            case let .holdOut(fraction): return run(m - Int((Double(m) * fraction).rounded()))
            case let .crossValidation(k): return Double(k) * run(m - m / k) + run(m)
            }
        }

        /// The epoch whose validation accuracy, pooled over the folds (each weighted by the examples it
        /// validated), is highest; ties go to the lower pooled loss, then to the earlier epoch. Epochs that
        /// not every fold reached (early stopping) are not candidates.
        static func bestEpoch(_ folds: [(history: TrainingHistory, validated: Int)]) -> Int {
            let reached = folds.map(\.history.epochs.count).min() ?? 0
            var best = (epoch: Swift.max(1, reached), accuracy: -Double.infinity, loss: Double.infinity)
            for e in 0..<reached {
                var correct = 0.0, loss = 0.0
                for f in folds {
                    let r = f.history.epochs[e]
                    correct += ((r.validationAccuracy ?? 0) * Double(f.validated)).rounded()
                    loss += Double(r.validationLoss ?? .infinity) * Double(f.validated)
                }
                if correct > best.accuracy || correct == best.accuracy && loss < best.loss { best = (e + 1, correct, loss) }
            }
            return best.epoch
        }
    }
}
