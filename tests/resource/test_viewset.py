import sys
def test_x():
    print(__name__, sys.path[:3])
    assert 0
