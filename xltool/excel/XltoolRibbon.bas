Attribute VB_Name = "XltoolRibbon"
Option Explicit
' xltool ribbon callbacks. Every button of the tab shares one onAction, XltoolButton:
' the button's tag (else its id) names the macro: check, recompute, clear_marks, explain, rollover, about.
' The settings boxes keep their value in the add-in's user config file, under the key in their tag.
' Written into the add-in's VBA project by xltool addin build.

Sub XltoolButton(control As IRibbonControl)
    Dim key As String
    key = control.Tag
    If key = "" Then key = control.Id
    If ActiveWorkbook Is Nothing Then
        MsgBox ChrW(35831) & ChrW(20808) & ChrW(25171) & ChrW(24320) & ChrW(35201) & ChrW(22788) & ChrW(29702) & ChrW(30340) & ChrW(24037) & ChrW(20316) & ChrW(31807) & ChrW(12290), vbExclamation, "xltool"
        Exit Sub
    End If
    Application.StatusBar = "xltool: " & key & " ..."
    RunPython "import xltool.excel as x; x.dispatch('" & key & "')"
    Application.StatusBar = False
End Sub

Private Function XltoolSettingKey(control As IRibbonControl) As String
    XltoolSettingKey = control.Tag
    If control.Tag = "INTERPRETER" Then
        #If Mac Then
            XltoolSettingKey = "INTERPRETER_MAC"
        #Else
            XltoolSettingKey = "INTERPRETER_WIN"
        #End If
    End If
End Function

Sub XltoolSetSetting(control As IRibbonControl, Text As String)
    Dim saved As Boolean
    saved = SaveConfigToFile(GetConfigFilePath(), XltoolSettingKey(control), Text)
End Sub

Sub XltoolGetSetting(control As IRibbonControl, ByRef returnedVal)
    Dim setting As String
    If GetConfigFromFile(GetConfigFilePath(), XltoolSettingKey(control), setting) Then
        returnedVal = setting
    Else
        returnedVal = ""
    End If
End Sub

Sub XltoolWindowsOnly(control As IRibbonControl, ByRef returnedVal)
    #If Mac Then
        returnedVal = False
    #Else
        returnedVal = True
    #End If
End Sub

Sub XltoolGetVersion(control As IRibbonControl, ByRef returnedVal)
    returnedVal = "xlwings " & XLWINGS_VERSION
End Sub
