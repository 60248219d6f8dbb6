"""Writes the worked examples in docs/examples/ (the "after" half of docs/ladders.md).

    .venv/bin/python scripts/ladder_examples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tool.generation.markdown import render_markdown  # noqa: E402
from tool.generation.model import SequenceRequest  # noqa: E402
from tool.generation.offline import OfflineGenerator  # noqa: E402

EXAMPLES = [
 dict(target_skill="Adding two-digit numbers like 34 + 25", student_level="Year 2", subject_area="Maths",
      current_avoidance="Puts her head down as soon as the sums come out and says 'I can't do numbers'",
      previous_attempts="A sticker for every page finished; her TA tells her 'Come on, you can do it!'",
      student_strengths="Adds 10 on a hundred square confidently"),
 dict(target_skill="Writing his name", student_level="Reception",
      current_avoidance="Scribbles over the paper and runs off to the construction area",
      student_strengths="Loves building with big blocks"),
 dict(target_skill="Getting into the pool and putting her face in the water", student_level="Year 1", subject_area="PE",
      current_avoidance="Cries at the poolside and says her tummy hurts every swimming day",
      previous_attempts="We promised a toy if she got in; the instructor told her to just jump in like the others"),
 dict(target_skill="Sight-reading new pieces", student_level="Year 10", subject_area="Music",
      current_avoidance="Asks the teacher to play it first, then plays by ear and pretends to read",
      student_strengths="Plays tunes by ear accurately after one hearing"),
 dict(target_skill="Using a sewing machine in textiles", student_level="Year 9", subject_area="Design and Technology",
      current_avoidance="Hangs back at the machine and asks a friend to do the stitching",
      student_strengths="Careful, neat hand sewing"),
]


def main() -> None:
    for number, fields in enumerate(EXAMPLES, start=1):
        result = OfflineGenerator().generate(SequenceRequest(**fields))
        header = f"<!-- {result.meta.note} -->\n\n"
        (ROOT / "docs" / "examples" / f"after_{number}.md").write_text(header + render_markdown(result.sequence))


if __name__ == "__main__":
    main()
