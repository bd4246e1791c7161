"""Every component id of the dashboard, prefixed by the page that owns it."""

# Shell (dashboard/shell.py)
SHELL_URL = "shell-url"
SHELL_NAV_LINK = "shell-nav-link"  # pattern-matching type; the key "path" is the page's path
SHELL_NOTICE = "shell-notice"
RUN_SELECT = "shell-run-select"  # value: the run directory name; every page follows it
SHELL_LOST = "shell-lost"  # store: written by the run guard when a callback met a run that vanished
SHELL_MENU = "shell-menu"  # the button that opens the page links on narrow screens
SHELL_NAV = "shell-nav"  # the page links
# value: "calibrated" or "raw"; every page showing probabilities follows it
PROBABILITY_SCALE = "shell-probability-scale"
# session store: the id of the last drawing's reading, kept on the server (dashboard.drawing.kept)
SHELL_DRAWING = "shell-drawing"

# Home page
HOME_SUMMARY = "home-summary"

# Dataset page
DATASET_LABELS = "dataset-labels"
DATASET_MEANS = "dataset-means"
DATASET_SPREAD = "dataset-spread"
DATASET_SPREAD_STAT = "dataset-spread-stat"
DATASET_GALLERY_DIGIT = "dataset-gallery-digit"
DATASET_GALLERY_MORE = "dataset-gallery-more"
DATASET_GALLERY = "dataset-gallery"
DATASET_PROJECTION = "dataset-projection"
DATASET_PROJECTION_METHOD = "dataset-projection-method"
DATASET_POINT = "dataset-point"

# Training page
TRAINING_CURVES = "training-curves"
TRAINING_COMPARE = "training-compare"
TRAINING_OVERLAY = "training-overlay"
TRAINING_TABLE = "training-table"

# Errors page
ERRORS_MATRIX = "errors-matrix"
ERRORS_NORMALIZE = "errors-normalize"
ERRORS_CELL = "errors-cell"
ERRORS_CHOSEN_CELL = (
    "errors-chosen-cell"  # store: [true, predicted] of the cell shown, or None (the most confused)
)
ERRORS_TILE = "errors-tile"  # pattern-matching type; keys "gallery" and "index" (the test index)
ERRORS_SELECTED = "errors-selected"
ERRORS_PROBABILITIES = "errors-probabilities"
ERRORS_PROBABILITIES_CAPTION = "errors-probabilities-caption"
ERRORS_IMAGE = "errors-image"  # the side panel's picture of the image whose probabilities are shown
ERRORS_SCORES = "errors-scores"
ERRORS_SCORES_TABLE = "errors-scores-table"
ERRORS_MISTAKES = "errors-mistakes"

# Saliency page (dashboard/pages/saliency.py)
SALIENCY_INDEX = "saliency-index"
SALIENCY_CLASS = "saliency-class"
SALIENCY_MISTAKES = "saliency-mistakes"
SALIENCY_RANDOM = "saliency-random"
SALIENCY_NEXT = "saliency-next"
SALIENCY_METHOD = "saliency-method"
SALIENCY_TARGET = "saliency-target"
# pattern-matching type; keys "method" and "name" (a model.insight.saliency setting)
SALIENCY_SETTING = "saliency-setting"
SALIENCY_CAPTION = "saliency-caption"
SALIENCY_HEATMAP = "saliency-heatmap"
SALIENCY_PROBABILITIES = "saliency-probabilities"

# Draw page (dashboard/pages/draw.py)
DRAW_CANVAS = "draw-canvas"
DRAW_BRUSH = "draw-brush"
DRAW_CLEAR = "draw-clear"
DRAW_MODE = "draw-mode"
DRAW_METHOD = "draw-method"
DRAW_UPLOAD = "draw-upload"
DRAW_SOURCE = (
    "draw-source"  # store: "empty", "canvas" or "upload", what the reading shown comes from
)
# store: the id of the reading shown, kept on the server (dashboard.drawing.kept)
DRAW_READ = "draw-read"
DRAW_PREDICTION = "prediction"  # the issue fixes this id: its text begins with the digit read
DRAW_MESSAGE = "draw-message"
DRAW_BARS = "draw-bars"
DRAW_INPUT = "draw-input"
DRAW_SALIENCY = "draw-saliency"
DRAW_BOARD = "draw-board"  # the canvas, or the uploaded image in its place
DRAW_UPLOAD_VIEW = "draw-upload-view"  # the uploaded image with a box around each mark found
# pattern-matching type; key "setting" (a model.insight.whatif setting): the what-if sliders
DRAW_WHATIF = "draw-whatif"
DRAW_WHATIF_RESET = "draw-whatif-reset"
DRAW_WHATIF_READING = "draw-whatif-reading"
DRAW_WHATIF_SWEEP = "draw-whatif-sweep"

# Network page (dashboard/pages/network.py)
NETWORK_SOURCE = "network-source"
NETWORK_INDEX = "network-index"
NETWORK_RANDOM = "network-random"
NETWORK_CAPTION = "network-caption"
NETWORK_MAPS = "network-maps"
NETWORK_FILTERS = "network-filters"
NETWORK_UNITS = "network-units"
NETWORK_PIXEL_MAP = "network-pixel-map"
NETWORK_FEATURE_MAP = "network-feature-map"
NETWORK_MAP_STATUS = "network-map-status"
NETWORK_POLL = (
    "network-poll"  # dcc.Interval, on while the run's map of learned features is being computed
)

# Adversarial page (dashboard/pages/adversarial.py)
ADVERSARIAL_SOURCE = "adversarial-source"
ADVERSARIAL_INDEX = "adversarial-index"
ADVERSARIAL_RANDOM = "adversarial-random"
ADVERSARIAL_METHOD = "adversarial-method"
ADVERSARIAL_TARGET = "adversarial-target"
ADVERSARIAL_CAPTION = "adversarial-caption"
ADVERSARIAL_IMAGES = "adversarial-images"
ADVERSARIAL_PROBABILITIES = "adversarial-probabilities"
ADVERSARIAL_CURVE = "adversarial-curve"
ADVERSARIAL_POLL = (
    "adversarial-poll"  # dcc.Interval, on while the run's robustness curve is being computed
)

# Train page (dashboard/pages/train.py)
TRAIN_PRESET = "train-preset"  # a named recipe (model.training.settings.PRESETS) or custom
TRAIN_PRESET_CHANGES = "train-preset-changes"  # which fields differ from the chosen preset
TRAIN_ARCHITECTURE = "train-architecture"
TRAIN_EPOCHS = "train-epochs"
TRAIN_BATCH_SIZE = "train-batch-size"
TRAIN_SIZE = "train-size"
TRAIN_AUGMENT = "train-augment"
TRAIN_SEED = "train-seed"
TRAIN_NAME = "train-name"
TRAIN_NAME_CHECK = "train-name-check"
TRAIN_OWNER = "train-owner"  # local store: this browser's id, which owns the trainings it starts
TRAIN_POLL = "train-poll"  # interval: read the job's record
TRAIN_SEEN = (
    "train-seen"  # store: the job and state last shown, so that a finished run is announced once
)
TRAIN_FIELD_ERROR = (
    "train-field-error"  # pattern {"type": ..., "field": name}: the message next to a form field
)
TRAIN_FORM_MESSAGE = "train-form-message"  # why Start did nothing, or that the training started
# store: {"select": run name, "change": id} after a run was added, renamed or deleted
TRAIN_CHANGED = "train-changed"
TRAIN_START = "train-start"
TRAIN_CANCEL = "train-cancel"
TRAIN_PROGRESS_BOX = "train-progress-box"  # shown while a training runs
TRAIN_PROGRESS = "train-progress"  # html.Progress, value 0-100
TRAIN_PROGRESS_TEXT = "train-progress-text"
TRAIN_STATUS = "train-status"  # how the last training ended
TRAIN_LIVE = "train-live"  # the growing learning curves
TRAIN_SELECTED = "train-selected"  # the run that the buttons below act on
TRAIN_RENAME_NAME = "train-rename-name"
TRAIN_RENAME = "train-rename"
TRAIN_DELETE = "train-delete"  # dcc.ConfirmDialogProvider around TRAIN_DELETE_BUTTON
TRAIN_DELETE_BUTTON = "train-delete-button"
TRAIN_EXPORT = "train-export"
TRAIN_HISTORY_CSV = "train-history-csv"
TRAIN_CLASSES_CSV = "train-classes-csv"
TRAIN_DOWNLOAD = "train-download"
TRAIN_MANAGE_MESSAGE = "train-manage-message"

# Compare page (dashboard/pages/compare.py)
COMPARE_RUN_A = "compare-run-a"
COMPARE_RUN_B = "compare-run-b"
COMPARE_SUMMARY = "compare-summary"
COMPARE_INTERVALS = "compare-intervals"
COMPARE_CELL = "compare-cell"  # pattern-matching type; key "cell" (a model.compare.CELLS name)
COMPARE_SELECTED = "compare-selected"  # store: the chosen cell's name
COMPARE_TABLE = "compare-table"
COMPARE_GALLERY = "compare-gallery"
COMPARE_CONFUSION = "compare-confusion"
COMPARE_CLASSES = "compare-classes"

# Calibration page (dashboard/pages/calibration.py)
CALIBRATION_SUMMARY = "calibration-summary"
CALIBRATION_RELIABILITY = "calibration-reliability"
CALIBRATION_HISTOGRAM = "calibration-histogram"

# Labels page (dashboard/pages/labels.py)
LABELS_SPLIT = "labels-split"
LABELS_DIGIT = "labels-digit"
LABELS_SORT = "labels-sort"
LABELS_SHOW = "labels-show"  # which suspects: all, unmarked, marked wrong, marked right
LABELS_PAGE = "labels-page"
LABELS_SUMMARY = "labels-summary"
LABELS_GALLERY = "labels-gallery"
LABELS_MARK = "labels-mark"  # pattern-matching type; keys "split", "index" and "verdict"
LABELS_MARKS = "labels-marks"  # store: a counter bumped after each mark, so the gallery redraws
LABELS_MESSAGE = "labels-message"
LABELS_EXPORT = "labels-export"
LABELS_DOWNLOAD = "labels-download"
