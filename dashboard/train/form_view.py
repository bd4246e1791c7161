"""The Train page's form: its layout and its live behaviour (a preset fills the fields, changes
from it are named, augmentation and the suggested name follow the architecture, the name is checked
as it is typed). What the form accepts is `dashboard.jobs.form`.
"""

from __future__ import annotations

from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.jobs import form
from dashboard.jobs.view import sentence
from dashboard.service import current
from dashboard.validation import check_choice, check_dict, check_list, check_text

AUGMENT = "on"


def augment_values(value: object) -> list[str]:
    """The augment checklist's value checked: [] or ["on"]."""
    return check_list(value, "augment", lambda item, where: check_choice(item, where, [AUGMENT]))


def _architecture(value: object) -> str:
    names = [option["value"] for option in form.architecture_options()]
    return check_choice(value, "architecture", names)


def _field(label: str, control, field: str | None = None) -> html.Label:
    """A labelled control, with the place of its error message when it is a field of the form."""
    error = (
        [
            html.Div(
                id={"type": ids.TRAIN_FIELD_ERROR, "field": field},
                className="train-hint wrong",
                role="alert",
            )
        ]
        if field
        else []
    )
    return html.Label([html.Span(label), control, *error], className="train-field")


def _dropdown(id_: str, options: list, value: object) -> dcc.Dropdown:
    return dcc.Dropdown(id=id_, options=options, value=value, clearable=False, searchable=False)


def _recipe_fields(max_epochs: int) -> list:
    """Preset, architecture, epochs, batch size and seed."""
    numbers = html.Div(
        [
            _field(
                "Epochs",
                dcc.Input(
                    id=ids.TRAIN_EPOCHS,
                    type="number",
                    min=1,
                    max=max_epochs,
                    step=1,
                    value=form.DEFAULTS["epochs"],
                ),
                "epochs",
            ),
            _field(
                "Batch size",
                _dropdown(
                    ids.TRAIN_BATCH_SIZE, list(form.BATCH_SIZES), form.DEFAULTS["batch_size"]
                ),
                "batch_size",
            ),
            _field(
                "Seed",
                dcc.Input(
                    id=ids.TRAIN_SEED, type="number", min=0, step=1, value=form.DEFAULTS["seed"]
                ),
                "seed",
            ),
        ],
        className="train-row",
    )
    return [
        _field(
            "Preset",
            _dropdown(ids.TRAIN_PRESET, form.preset_options(), form.DEFAULTS["preset"]),
            "preset",
        ),
        html.Div(id=ids.TRAIN_PRESET_CHANGES, className="train-hint", role="status"),
        _field(
            "Architecture",
            _dropdown(
                ids.TRAIN_ARCHITECTURE, form.architecture_options(), form.DEFAULTS["architecture"]
            ),
            "architecture",
        ),
        numbers,
    ]


def _data_fields(runs_dir) -> list:
    """Training images, augmentation and the run's name."""
    sizes = [{"label": form.train_size_label(size), "value": size} for size in form.TRAIN_SIZES]
    name = form.suggest_name(runs_dir, form.DEFAULTS["architecture"])
    return [
        _field(
            "Training images",
            _dropdown(ids.TRAIN_SIZE, sizes, form.DEFAULTS["train_size"]),
            "train_size",
        ),
        dcc.Checklist(
            id=ids.TRAIN_AUGMENT,
            options=[{"label": "Augment: random rotation, shift and zoom", "value": AUGMENT}],
            value=[AUGMENT] if form.DEFAULTS["augment"] else [],
            className="radio",
        ),
        _field("Run name", dcc.Input(id=ids.TRAIN_NAME, type="text", maxLength=64, value=name)),
        html.Div(id=ids.TRAIN_NAME_CHECK, className="train-hint", role="alert"),
    ]


def form_layout(runs_dir, max_epochs: int) -> html.Div:
    """The form of a new training, with Start and Cancel under it."""
    buttons = html.Div(
        [
            html.Button("Start training", id=ids.TRAIN_START, n_clicks=0, className="button"),
            html.Button(
                "Cancel",
                id=ids.TRAIN_CANCEL,
                n_clicks=0,
                disabled=True,
                className="button secondary",
            ),
        ],
        className="controls",
    )
    return html.Div(
        [
            *_recipe_fields(max_epochs),
            *_data_fields(runs_dir),
            buttons,
            html.Div(id=ids.TRAIN_FORM_MESSAGE, role="status"),
        ],
        className="train-form",
    )


def apply_preset(preset: str) -> tuple:
    """Fill the form with what the chosen preset trains; custom keeps the fields as they are."""
    if check_choice(preset, "preset", list(form.PRESET_LABELS)) == form.CUSTOM:
        raise PreventUpdate
    fields = form.preset_fields(preset)
    return (
        fields["architecture"],
        fields["epochs"],
        fields["batch_size"],
        fields["train_size"],
        [AUGMENT] if fields["augment"] else [],
    )


def show_preset_changes(
    preset, architecture, epochs, batch_size, train_size, augment
) -> str | html.Span:
    """Say which fields now differ from the chosen preset: its time and accuracy no longer describe
    the training."""
    preset = check_choice(preset, "preset", list(form.PRESET_LABELS))
    changes = form.preset_changes(
        preset,
        architecture=architecture,
        epochs=epochs,
        batch_size=batch_size,
        train_size=train_size,
        augment=AUGMENT in augment_values(augment),
    )
    if not changes:
        return ""
    return html.Span(
        f"Changed from the {preset} preset: {'; '.join(changes)}. Its time and accuracy no longer "
        "apply; its recipe (schedule, learning rate, regularization) still does.",
        className="note",
    )


def suggest_augment(architecture: str) -> list[str]:
    """Augmentation on for the deep CNN, off for the small models, as `python -m model.train`
    does."""
    return [AUGMENT] if form.augment_by_default(_architecture(architecture)) else []


def check_name(name: str | None) -> html.Span:
    """Say at once whether the run name typed can be used (the training's own admission check)."""
    name = check_text(name, "run name")
    try:
        form.check_new_name(name, current().settings.runs_dir)
    except ValueError as error:
        return html.Span(sentence("Cannot use this name", error), className="wrong")
    return html.Span("This name is free.", className="note")


def follow_architecture(architecture: str, name: object) -> str:
    """A suggested run name follows the architecture ("fast_cnn-2" becomes "wide_cnn-2"); a name
    typed stays."""
    architecture = _architecture(architecture)
    if not form.is_suggested_name(name):
        raise PreventUpdate
    return form.suggest_name(current().settings.runs_dir, architecture)


def suggest_next_name(change: dict | None, architecture: str) -> str:
    """After a run was added, renamed or deleted, a free name for the next training."""
    if not check_dict(change, "change"):
        raise PreventUpdate
    return form.suggest_name(current().settings.runs_dir, _architecture(architecture))


def register_callbacks() -> None:
    """Register the form's callbacks; the Train page calls this, so that every app built gets
    them (Dash runs a page module once per app, but imports this module once per process)."""
    callback(
        Output(ids.TRAIN_ARCHITECTURE, "value"),
        Output(ids.TRAIN_EPOCHS, "value"),
        Output(ids.TRAIN_BATCH_SIZE, "value"),
        Output(ids.TRAIN_SIZE, "value"),
        Output(ids.TRAIN_AUGMENT, "value", allow_duplicate=True),
        Input(ids.TRAIN_PRESET, "value"),
        prevent_initial_call=True,
    )(apply_preset)
    callback(
        Output(ids.TRAIN_PRESET_CHANGES, "children"),
        Input(ids.TRAIN_PRESET, "value"),
        Input(ids.TRAIN_ARCHITECTURE, "value"),
        Input(ids.TRAIN_EPOCHS, "value"),
        Input(ids.TRAIN_BATCH_SIZE, "value"),
        Input(ids.TRAIN_SIZE, "value"),
        Input(ids.TRAIN_AUGMENT, "value"),
        prevent_initial_call=True,
    )(show_preset_changes)
    callback(
        Output(ids.TRAIN_AUGMENT, "value"),
        Input(ids.TRAIN_ARCHITECTURE, "value"),
        prevent_initial_call=True,
    )(suggest_augment)
    callback(Output(ids.TRAIN_NAME_CHECK, "children"), Input(ids.TRAIN_NAME, "value"))(check_name)
    callback(
        Output(ids.TRAIN_NAME, "value", allow_duplicate=True),
        Input(ids.TRAIN_ARCHITECTURE, "value"),
        State(ids.TRAIN_NAME, "value"),
        prevent_initial_call=True,
    )(follow_architecture)
    callback(
        Output(ids.TRAIN_NAME, "value"),
        Input(ids.TRAIN_CHANGED, "data"),
        State(ids.TRAIN_ARCHITECTURE, "value"),
        prevent_initial_call=True,
    )(suggest_next_name)
