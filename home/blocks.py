"""StreamField blocks editors compose the site's pages from."""

from __future__ import annotations

from wagtail import blocks

BUILD_MY_ROADMAP = "Build my roadmap"


class HeroBlock(blocks.StructBlock):
    """The page's headline (its one h1), a sentence under it and the call to
    action. The action's address is the wizard's, decided at render time, so
    editors cannot point it at a stale URL."""

    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=400)
    cta_label = blocks.CharBlock(
        max_length=40,
        default=BUILD_MY_ROADMAP,
        help_text="The button that starts the onboarding wizard.",
    )

    class Meta:
        icon = "title"
        label = "Hero"
        template = "home/blocks/hero.html"


class HowItWorksStepBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=80)
    text = blocks.TextBlock(max_length=300)

    class Meta:
        icon = "list-ol"


class HowItWorksBlock(blocks.StructBlock):
    """Numbered steps that explain what the learner does and gets."""

    heading = blocks.CharBlock(max_length=120, default="How it works")
    steps = blocks.ListBlock(HowItWorksStepBlock(), min_num=1, max_num=6)

    class Meta:
        icon = "list-ol"
        label = "How it works"
        template = "home/blocks/how_it_works.html"


class SubjectsBlock(blocks.StructBlock):
    """The catalog's subjects as cards, each with its tracks; the cards come
    from the catalog itself, not from the editor."""

    heading = blocks.CharBlock(max_length=120, default="Subjects")
    intro = blocks.TextBlock(required=False, max_length=300)

    class Meta:
        icon = "folder-open-inverse"
        label = "Subjects"
        template = "home/blocks/subjects.html"


class CalloutBlock(blocks.StructBlock):
    """A highlighted note: a tip, or something a reader must not miss."""

    heading = blocks.CharBlock(max_length=120)
    text = blocks.RichTextBlock(features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = "Callout"
        template = "home/blocks/callout.html"


RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    how_it_works = HowItWorksBlock()
    subjects = SubjectsBlock()
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label="Text")

    class Meta:
        block_counts = {"hero": {"max_num": 1}, "subjects": {"max_num": 1}}


class StandardStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        max_length=120, form_classname="title", template="home/blocks/heading.html"
    )
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label="Text")
    callout = CalloutBlock()
