"""``manage.py make_synthetic_catalog``: a large valid catalog for benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.synthetic import catalog_synthesize
from catalog.transfer import catalog_dumps

from .export_catalog import write_atomically


class Command(BaseCommand):
    help = (
        "Write a random but valid catalog (layered prerequisite DAG, skewed "
        "vocabularies), the same for the same seed, for benchmarks and scale tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topics", type=int, required=True, metavar="N")
        parser.add_argument("--resources", type=int, required=True, metavar="M")
        parser.add_argument("--seed", type=int, default=0, metavar="S")
        parser.add_argument(
            "--subjects",
            type=int,
            default=None,
            metavar="K",
            help="number of subjects (default: about sqrt(N)/5)",
        )
        parser.add_argument(
            "--no-choice-groups",
            action="store_true",
            help="leave out choice groups (and what requires or aims at them)",
        )
        parser.add_argument(
            "--without-resources",
            type=float,
            default=0.0,
            metavar="SHARE",
            help="the share of topics no resource covers, 0 to 1 (default 0)",
        )
        parser.add_argument(
            "--output",
            default="-",
            metavar="PATH",
            help='the file to write, or "-" for standard output (the default)',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subjects"] is not None and options["subjects"] < 1:
            raise CommandError("--subjects must be 1 or more")
        try:
            data = catalog_synthesize(
                topics=options["topics"],
                resources=options["resources"],
                seed=options["seed"],
                subjects=options["subjects"],
                choice_groups=not options["no_choice_groups"],
                without_resources=options["without_resources"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        text = catalog_dumps(data)
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        write_atomically(Path(options["output"]), text)
        self.stderr.write(
            f"Wrote {len(data['topics'])} topics, {len(data['choice_groups'])} choice "
            f"groups and {len(data['resources'])} resources (seed {options['seed']}) "
            f"to {options['output']}."
        )
