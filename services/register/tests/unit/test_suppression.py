"""Statistical disclosure control: the suppression rule and the cubes it runs over."""

from collections import namedtuple
from itertools import product

from register.domain.suppression import THRESHOLD, TOTAL, Cell, Cube, suppress

Row = namedtuple("Row", "area kind n")  # GROUP BY CUBE (area, kind): None is a margin


class TestSuppress:
    def test_counts_of_one_to_four_are_suppressed(self):
        values = {"a": 1, "b": 4, "c": 5, "t": 10}
        assert {"a", "b"} <= suppress(values, [])
        assert "c" not in suppress(values, [])
        assert THRESHOLD == 5

    def test_zero_is_published(self):
        values = {"a": 0, "b": 7, "t": 7}
        assert suppress(values, [("t", ["a", "b"])]) == set()

    def test_single_small_cell_gets_a_complement(self):
        values = {"a": 3, "b": 10, "c": 12, "t": 25}
        assert suppress(values, [("t", ["a", "b", "c"])]) == {"a", "b"}

    def test_small_cells_adding_up_to_under_five_get_a_third(self):
        values = {"a": 1, "b": 2, "c": 20, "t": 23}
        assert suppress(values, [("t", ["a", "b", "c"])]) == {"a", "b", "c"}

    def test_small_cells_adding_up_to_five_need_no_complement(self):
        values = {"a": 2, "b": 3, "c": 20, "t": 25}
        assert suppress(values, [("t", ["a", "b", "c"])]) == {"a", "b"}

    def test_the_complement_is_the_smallest_member_ties_broken_by_key(self):
        values = {"a": 3, "c": 6, "b": 6, "d": 9, "t": 24}
        assert suppress(values, [("t", ["a", "c", "b", "d"])]) == {"a", "b"}

    def test_a_complement_in_one_relation_protects_the_crossing_relations(self):
        # rows r1 = x1 + y1, r2 = x2 + y2 and columns x = x1 + x2, y = y1 + y2
        values = {"x1": 2, "y1": 10, "r1": 12, "x2": 10, "y2": 10, "r2": 20, "x": 12, "y": 20}
        relations = [
            ("r1", ["x1", "y1"]),
            ("r2", ["x2", "y2"]),
            ("x", ["x1", "x2"]),
            ("y", ["y1", "y2"]),
        ]
        hidden = suppress(values, relations)
        assert hidden == {"x1", "y1", "x2", "y2"}
        for total, members in relations:  # never a single unknown in a relation
            assert len([k for k in (total, *members) if k in hidden]) != 1

    def test_a_lower_threshold_can_be_asked_for(self):
        assert suppress({"a": 3, "b": 3, "t": 6}, [("t", ["a", "b"])], threshold=3) == set()


class TestCube:
    ROWS = (
        Row("101", "family", 20),
        Row("101", "youth", 2),
        Row("101", None, 22),
        Row("147", "family", 30),
        Row("147", "youth", 8),
        Row("147", None, 38),
        Row(None, "family", 50),
        Row(None, "youth", 10),
        Row(None, None, 60),
    )

    def test_a_published_count_has_its_value(self):
        cube = Cube(self.ROWS, [[], ["family", "youth"]])
        assert cube.cell("147", TOTAL) == Cell(value=38, suppressed=False)
        assert cube.cell(TOTAL, TOTAL) == Cell(value=60, suppressed=False)

    def test_a_small_count_is_suppressed_with_the_cells_that_would_give_it_away(self):
        cube = Cube(self.ROWS, [[], ["family", "youth"]])
        assert cube.cell("101", "youth") == Cell(value=None, suppressed=True)
        hidden = {key for key in cube.values if cube.cell(*key).suppressed}
        # 101 youth (2) is primary; its row, its column and the crossing cell follow
        assert hidden == {("101", "youth"), ("101", "family"), ("147", "youth"), ("147", "family")}

    def test_no_suppressed_cell_is_the_only_unknown_of_a_margin(self):
        cube = Cube(self.ROWS, [[], ["family", "youth"]])
        for area, kind in product((*cube.domains[0], TOTAL), (*cube.domains[1], TOTAL)):
            if area == TOTAL:
                members = [(a, kind) for a in cube.domains[0]]
                unknown = [k for k in [(area, kind), *members] if k in cube.hidden]
                assert len(unknown) != 1
            if kind == TOTAL:
                members = [(area, k) for k in cube.domains[1]]
                unknown = [k for k in [(area, kind), *members] if k in cube.hidden]
                assert len(unknown) != 1

    def test_a_combination_without_rows_is_a_published_zero(self):
        cube = Cube(self.ROWS, [[], ["family", "youth", "elderly"]])
        assert cube.cell("147", "elderly") == Cell(value=0, suppressed=False)

    def test_a_key_outside_the_cube_is_a_published_zero(self):
        cube = Cube(self.ROWS, [[], ["family", "youth"]])
        assert cube.cell("851", "family") == Cell(value=0, suppressed=False)

    def test_the_dimensions_hold_the_given_values_and_those_seen(self):
        cube = Cube(self.ROWS, [["851"], ["family"]])
        assert cube.domains == [("851", "101", "147"), ("family", "youth")]
