"""A guided draft when no ladder in the library fits: honest, and marked for the teacher to complete.

It does not pretend to know the skill. It lays out the six moves every ladder
makes (start from what the student already does, add one piece with a model,
a little more, the same alone, the whole task in private, the whole task in
its real setting), quotes the teacher's own starting point and target, and
leaves a bracketed "[To complete: …]" wherever the skill's detail is needed.
"""

from __future__ import annotations

from tool.generation.ladders.level import Level
from tool.generation.ladders.reading import quote
from tool.generation.model import Diagnostic, Phrase, Sequence, SequenceRequest, Source, Task

M, V, P, PH = Source.MASTERY, Source.VICARIOUS, Source.PERSUASION, Source.PHYSIOLOGICAL

TITLE_NOTE = "Guided draft (no ladder in the library fits this skill): complete the bracketed parts before use."

PHRASES_TO_USE = [
    Phrase(text="You did it the same way each time: first one part, then the next. That order is your method.",
           why="Names a method the student controls and can repeat on purpose."),
    Phrase(text="Look at what you finished today and what you finished last time. What did you do differently?",
           why="Compares the student only with their own earlier work, which they can check."),
    Phrase(text="That part did not work yet. Which step shall we go back to and try another way?",
           why="Treats a setback as a step in the method to adjust, not a verdict on the student."),
]


def _tasks(target: str, start: str) -> list[Task]:
    return [
        Task(
            name="Start from what they already do",
            student_does=f"Privately, with you beside them, the student does the thing nearest to the target that "
            f"they already manage ({start}). [To complete: the exact task, materials and amount.]",
            sources=[M, PH],
            why_it_builds_efficacy="The sequence opens on a success the student is sure of, in private, so the "
            "first thing they experience is evidence rather than risk.",
            success_looks_like="The student finishes it calmly and can show you how they did each part.",
            teacher_script="You did that one part at a time and checked each part before moving on. That way of "
            "working is what we will use in every step from here.",
            if_struggles="Make it smaller still (fewer items, more of your help) until success is certain. "
            "[To complete: the smaller version.]",
            student_instructions="Do this first task with your teacher beside you. Take your time and show each "
            "part as you finish it.",
        ),
        Task(
            name="One piece of the target, with a model",
            student_does=f"You show one small piece of the target ({target}) step by step, thinking aloud; the "
            "student then does the same piece with your example in front of them. [To complete: which piece, and "
            "the example you will show.]",
            sources=[M, V],
            why_it_builds_efficacy="Seeing the piece done, then doing it straight away with the example in view, "
            "turns watching into a success of the student's own.",
            success_looks_like="The student completes the piece correctly, using the example as a guide.",
            teacher_script="You followed the example one step at a time and checked your work against it. Using a "
            "model like that is a method, and it got you through the whole piece.",
            if_struggles="Do the piece together, with the student doing the last part alone; then try the whole "
            "piece again with the example.",
            student_instructions="Watch your teacher do one part. Then do the same part yourself, with the example "
            "next to you.",
            increment="Representation: one real piece of the target is added, with a worked model in view.",
        ),
        Task(
            name="Two or three pieces, model still in view",
            student_does="The student does two or three pieces of the target in a row, with the example still in "
            "view. [To complete: the pieces.]",
            sources=[M, P],
            why_it_builds_efficacy="More of the real task, with the same support, shows the first success was not "
            "a one-off.",
            success_looks_like="Two or three pieces completed, each checked against the example.",
            teacher_script="You did three in a row and checked each one against the example before starting the "
            "next. Checking as you go is what kept all three right.",
            if_struggles="Go back to one piece, then two; keep the example in view throughout.",
            student_instructions="Do two or three parts in a row. Check each one against the example before you "
            "start the next.",
            increment="Size: two or three pieces instead of one; the support stays the same.",
        ),
        Task(
            name="The same pieces, on their own",
            student_does="The student does two or three pieces again with the example put away, still privately. "
            "[To complete: the pieces.]",
            sources=[M, P],
            why_it_builds_efficacy="Succeeding without the example is the first evidence that the method now "
            "belongs to the student.",
            success_looks_like="Two or three pieces completed without the example.",
            teacher_script="You did those without the example, so the method is in your head now. You remembered "
            "the order of the steps and used it.",
            if_struggles="Let the student look at the example once, then put it away again before they start.",
            student_instructions="This time the example is put away. Do the same kind of parts, in the same order "
            "you used before.",
            increment="Independence: the worked example is taken away.",
        ),
        Task(
            name="The whole task, in private",
            student_does=f"The student does the whole target task ({target}) at its real size, privately, with you "
            "nearby. [To complete: the task at its real size.]",
            sources=[M, PH],
            why_it_builds_efficacy="The full task is reached before anyone else is involved, so the success is "
            "the student's own and nothing is at stake.",
            success_looks_like="The whole task completed at its real size, in private.",
            teacher_script="That was the whole task, and you did it by using the same steps as before, one after "
            "another. The method worked at full size.",
            if_struggles="Split the whole task into two halves done one after the other, with a short pause "
            "between them.",
            student_instructions="Now do the whole task, using the same steps as before. Your teacher is nearby if "
            "you want to check something.",
            increment="Size: from a few pieces to the whole task.",
        ),
        Task(
            name="The target in its real setting (target)",
            student_does=f"The student does the target ({target}) in its ordinary setting: the usual lesson, "
            "audience and time. [To complete: confirm the setting, who is present and the time allowed.]",
            sources=[M, P],
            why_it_builds_efficacy="This is the target itself, reached with a method the student has already used "
            "successfully; it is the strongest evidence that the old belief is out of date.",
            success_looks_like="The target completed in its real setting, using the student's own method.",
            teacher_script="You did it in the lesson with the method you have practised, step by step. It worked "
            "because you used the same steps you used on your own.",
            if_struggles="Keep the task and the setting and bring back the example for one part; the method is the "
            "same, only the support returns.",
            student_instructions="Do the task in class, using the same steps you have already used. Take it one "
            "part at a time.",
            increment="Audience: the setting becomes the ordinary lesson, with its usual people and time.",
        ),
    ]


def draft(request: SequenceRequest, level: Level, *, barrier: str, barrier_source: Source, strategy_extra: str,
          avoid: list[Phrase], cautions: list[str], plan_suffix: str) -> Sequence:
    target = quote(request.target_skill, 16)
    start = (f"the teacher notes {quote(request.student_strengths, 16)}" if request.student_strengths
             else "[To complete: what the student can already do]")
    return Sequence(
        title_skill=request.target_skill if len(request.target_skill) <= 80 else request.target_skill[:79] + "…",
        target_skill=request.target_skill,
        current_avoidance=request.current_avoidance,
        student_level=request.student_level + (f" {request.subject_area}" if request.subject_area else ""),
        diagnostic=Diagnostic(
            primary_barrier=barrier,
            primary_barrier_source=barrier_source,
            starting_point=(f"The teacher reports that the student already does this well: "
                            f"{quote(request.student_strengths, 24)}. Task 1 starts there."
                            if request.student_strengths else
                            "No strengths were recorded. [To complete: the closest thing to the target the student "
                            "can already do; task 1 starts there.]"),
            sequence_strategy=f"{TITLE_NOTE} Mastery experience leads every step: the student does a real part of "
            "the skill each time, one change per step (a model, then more, then alone, then the whole task, then the "
            f"real setting), {level.phrase}. {strategy_extra}".strip(),
        ),
        tasks=_tasks(target, start),
        phrases_to_use=PHRASES_TO_USE,
        phrases_to_avoid=avoid,
        long_term_plan="Keep the steps that worked available as ordinary tools. Once the target feels routine, "
        "raise one thing at a time (length, independence, audience or time), never two together. " + plan_suffix,
        cautions=cautions,
    )
