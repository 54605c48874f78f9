"""Rules of the governance dialogue (styringsdialog): statuses, questions, completeness,
who may do what when. Plain Python, no framework imports."""
